/* Draw every [data-chart] element from the JSON spec named by its data-chart attribute
   (made by projects/charts.py). Loaded as a file: the CSP allows no inline script. */
(function () {
  "use strict";
  const STATE_COLORS = { done: "#198754", overdue: "#dc3545", open: "#0d6efd" };

  function axisUnit(unit) { return unit ? { name: unit, nameTextStyle: { align: "left" } } : {}; }

  function barOption(spec) {
    const valueAxis = Object.assign({ type: "value" }, axisUnit(spec.unit));
    const categoryAxis = { type: "category", data: spec.categories, axisLabel: { interval: 0, width: 90, overflow: "truncate" } };
    return {
      tooltip: { trigger: "axis" },
      legend: spec.series.length > 1 ? { top: 0 } : undefined,
      grid: { left: 8, right: 24, bottom: 8, top: spec.series.length > 1 ? 32 : 16, containLabel: true },
      xAxis: categoryAxis,
      yAxis: valueAxis,
      series: spec.series.map((s) => ({ type: "bar", name: s.name, data: s.data, label: { show: true, position: "top" } })),
    };
  }

  function lineOption(spec) {
    return {
      tooltip: { trigger: "axis" },
      legend: { top: 0 },
      grid: { left: 8, right: 24, bottom: 8, top: 32, containLabel: true },
      xAxis: { type: "time" },
      yAxis: Object.assign({ type: "value" }, axisUnit(spec.unit)),
      series: spec.series.map((s) => ({ type: "line", name: s.name, data: s.data, step: false, symbolSize: 6 })),
    };
  }

  function timelineOption(spec) {
    const titles = spec.points.map((p) => p.title);
    return {
      tooltip: { formatter: (p) => `${p.data.title}<br>${p.data.value[0]}` },
      grid: { left: 8, right: 24, bottom: 8, top: 16, containLabel: true },
      xAxis: { type: "time" },
      yAxis: { type: "category", data: titles, inverse: true, axisLabel: { width: 120, overflow: "truncate" } },
      series: [{
        type: "scatter", symbolSize: 14,
        data: spec.points.map((p) => ({ value: [p.due, p.title], title: p.title, itemStyle: { color: STATE_COLORS[p.state] } })),
        markLine: { symbol: "none", data: [{ xAxis: spec.today }], lineStyle: { color: "#6c757d", type: "dashed" }, label: { formatter: spec.today } },
      }],
    };
  }

  const BUILDERS = { bar: barOption, line: lineOption, timeline: timelineOption };

  function draw(element) {
    const source = document.getElementById(element.dataset.chart);
    if (!source || !window.echarts) { return; }
    const spec = JSON.parse(source.textContent);
    const chart = window.echarts.init(element, null, { renderer: "canvas" });
    chart.setOption(BUILDERS[spec.type](spec));
    window.addEventListener("resize", () => chart.resize());
  }

  document.querySelectorAll("[data-chart]").forEach(draw);
})();
