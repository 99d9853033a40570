// ECharts with only what the app draws (bar and line charts on a grid, tooltip, legend, canvas). This module
// is imported dynamically by EChart.vue, so ECharts is fetched the first time a chart is shown, never with
// the first page load.
import { init, use } from 'echarts/core'
import { BarChart, LineChart } from 'echarts/charts'
import { GridComponent, LegendComponent, TooltipComponent } from 'echarts/components'
import { CanvasRenderer } from 'echarts/renderers'

use([BarChart, LineChart, GridComponent, LegendComponent, TooltipComponent, CanvasRenderer])

export { init }
