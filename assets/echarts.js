/*! The part of Apache ECharts (https://echarts.apache.org/, Apache License 2.0,
    Copyright 2017-2026 The Apache Software Foundation) that the Shanwang app draws. */
/* static/js/charts.js draws bar and line charts and the milestone time line (a scatter
   with a mark line for today), on a grid with tooltips and a legend, on canvas; nothing
   else is bundled. A chart type or component charts.js starts to use must be added here.
   `make assets` (`npm run build`) bundles this file with esbuild into
   node_modules/.shanwang/echarts/echarts.min.js, exposed as window.echarts.
   https://echarts.apache.org/handbook/en/basics/import#shrinking-bundle-size */
import { BarChart, LineChart, ScatterChart } from "echarts/charts";
import {
  GridComponent,
  LegendComponent,
  MarkLineComponent,
  TooltipComponent,
} from "echarts/components";
import { getInstanceByDom, init, use } from "echarts/core";
import { CanvasRenderer } from "echarts/renderers";

use([
  BarChart,
  LineChart,
  ScatterChart,
  GridComponent,
  LegendComponent,
  MarkLineComponent,
  TooltipComponent,
  CanvasRenderer,
]);

export { getInstanceByDom, init };
