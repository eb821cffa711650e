/* Draw every [data-chart] element from the JSON spec named by its data-chart attribute
   (made by projects/charts.py). Loaded as a file: the CSP allows no inline script. */
(function () {
  "use strict";
  const STATE_COLORS = { done: "#198754", overdue: "#dc3545", open: "#0d6efd" };
  const HTML_ESCAPES = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };

  // A tooltip formatter's string is HTML: every text in it (a milestone's title is what
  // a user typed) goes through escapeHTML. ECharts' own tooltips escape their names.
  function escapeHTML(text) { return String(text).replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]); }

  function axisUnit(unit) { return unit ? { name: unit, nameTextStyle: { align: "left" } } : {}; }

  // Numbers as the pages write them (shanwang/formatting.py): thousands separators, an
  // amount (a chart with a unit, 万元) with two decimals, a count as it is, "—" for none.
  const AXIS_NUMBER = new Intl.NumberFormat("zh-CN", { maximumFractionDigits: 2 });
  const AMOUNT = new Intl.NumberFormat("zh-CN", { minimumFractionDigits: 2, maximumFractionDigits: 2 });
  function figure(spec, value) {
    const number = Array.isArray(value) ? value[value.length - 1] : value;
    if (number === null || number === undefined || Number.isNaN(Number(number))) { return "—"; }
    return spec.unit ? `${AMOUNT.format(number)}${spec.unit}` : AXIS_NUMBER.format(number);
  }
  function valueAxis(spec) {
    return Object.assign({ type: "value", axisLabel: { formatter: (value) => AXIS_NUMBER.format(value) } }, axisUnit(spec.unit));
  }
  // The value texts are numbers and units made here, never a user's text.
  function valueTooltip(spec) { return { trigger: "axis", valueFormatter: (value) => figure(spec, value) }; }

  function barOption(spec) {
    const categoryAxis = { type: "category", data: spec.categories, axisLabel: { interval: 0, width: 90, overflow: "truncate" } };
    return {
      tooltip: valueTooltip(spec),
      legend: spec.series.length > 1 ? { top: 0 } : undefined,
      grid: { left: 8, right: 24, bottom: 8, top: spec.series.length > 1 ? 32 : 16, containLabel: true },
      xAxis: categoryAxis,
      yAxis: valueAxis(spec),
      series: spec.series.map((s) => ({
        type: "bar", name: s.name, data: s.data,
        label: { show: true, position: "top", formatter: (p) => figure(spec, p.value) },
      })),
    };
  }

  function lineOption(spec) {
    return {
      tooltip: valueTooltip(spec),
      legend: { top: 0 },
      grid: { left: 8, right: 24, bottom: 8, top: 32, containLabel: true },
      xAxis: { type: "time" },
      yAxis: valueAxis(spec),
      series: spec.series.map((s) => ({ type: "line", name: s.name, data: s.data, step: false, symbolSize: 6 })),
    };
  }

  function timelineOption(spec) {
    const titles = spec.points.map((p) => p.title);
    return {
      tooltip: { formatter: (p) => `${escapeHTML(p.data.title)}<br>${escapeHTML(p.data.value[0])}` },
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
