/*
 * cdc-pipeline dashboard: polls api/aggregates and api/flow every second and renders them in place.
 * Plain ES2017 with ECharts 5 (global `echarts`); no framework, no build step, no inline script (CSP 'self').
 * All data reaches the DOM through textContent / setAttribute, and through escapeHtml in chart tooltips,
 * because group names and labels are table contents.
 */
'use strict';

const POLL_MS = 1000;
const FETCH_TIMEOUT_MS = 4000;        // a hung request must not stall the poll loop
const SPARK_POINTS = 300;             // the server keeps 300 one-second values: a fixed 5-minute x scale
const SPARK_WIDTH = 300;
const SPARK_HEIGHT = 36;
const SVG_NS = 'http://www.w3.org/2000/svg';
const BAR_COLOR = '#2f62c8';
const QUALITY_COLORS = {nulls: '#c2362b', empty: '#d08a00'};
// Distinct hues that keep >= 3:1 contrast against the white card background.
const STATUS_PALETTE = ['#2f62c8', '#1b7f3b', '#b35c00', '#8a3ab9', '#c2362b', '#00838f', '#5b6470', '#b0306e'];
const CHART_KINDS = ['bar', 'histogram', 'line', 'quality', 'timeline'];

const numberFormat = new Intl.NumberFormat(undefined, {maximumFractionDigits: 2});
const compactFormat = new Intl.NumberFormat(undefined, {notation: 'compact', maximumFractionDigits: 1});
const timeFormat = new Intl.DateTimeFormat(undefined, {hour: '2-digit', minute: '2-digit', second: '2-digit'});
const dateTimeFormat = new Intl.DateTimeFormat(undefined, {dateStyle: 'medium', timeStyle: 'medium'});
const monthFormat = new Intl.DateTimeFormat(undefined, {year: 'numeric', month: 'short'});

const cards = new Map();              // aggregate name -> card state
const cardsByChart = new WeakMap();   // chart element -> card state, for the resize observer
const flowMemo = {};                  // last rendered JSON per flow part, to leave unchanged DOM alone
const stageRows = new Map();          // stage id -> {row, label, spark, rate, unit, total}
let slotLagSpark = null;
let lastSuccess = null;

// Charts follow their card's size (window resize, grid reflow, table toggle); resize in the next frame so a
// resize never runs inside the observer's own delivery (which would log a ResizeObserver loop error).
const chartResizer = new ResizeObserver((entries) => {
  requestAnimationFrame(() => entries.forEach(resizeChartOf));
});

document.addEventListener('DOMContentLoaded', start);

function start() {
  slotLagSpark = createSpark();
  document.getElementById('slot-lag-spark').append(slotLagSpark.svg);
  poll();
}

/* ---------- polling ---------- */

async function poll() {
  try {
    const [aggregates, flow] = await Promise.allSettled([fetchJson('api/aggregates'), fetchJson('api/flow')]);
    if (aggregates.status === 'fulfilled') renderAggregates(aggregates.value);
    if (flow.status === 'fulfilled') renderFlow(flow.value);
    const failed = [aggregates, flow].find((result) => result.status === 'rejected');
    if (failed) showDisconnected(failed.reason); else showConnected();
  } finally {
    setTimeout(poll, POLL_MS);          // keep polling after failures: that is the retry
  }
}

async function fetchJson(url) {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), FETCH_TIMEOUT_MS);
  try {
    const response = await fetch(url, {cache: 'no-store', signal: controller.signal});
    if (!response.ok) throw new Error(`HTTP ${response.status} from ${url}`);
    return await response.json();
  } finally {
    clearTimeout(timer);
  }
}

/* ---------- status line ---------- */

function showConnected() {
  lastSuccess = new Date();
  setStatus('ok', 'live', `updated ${timeFormat.format(lastSuccess)}`, '');
}

function showDisconnected(reason) {
  const since = lastSuccess ? `last update ${timeFormat.format(lastSuccess)}` : 'no data yet';
  const detail = reason && reason.message ? reason.message : String(reason);
  setStatus('down', 'disconnected, retrying…', since, detail);
}

function setStatus(state, text, time, detail) {
  const status = document.getElementById('status');
  status.dataset.state = state;
  status.title = detail;
  setText(document.getElementById('status-text'), text);
  setText(document.getElementById('status-time'), time);
}

/* ---------- aggregates: cards ---------- */

function renderAggregates(payload) {
  const list = uniqueByKey(payload && payload.aggregates, 'name');
  const container = document.getElementById('cards');
  removeCardsExcept(new Set(list.map((agg) => agg.name)));   // first, so kept cards need not move past them
  list.forEach((agg, index) => {
    const card = cardFor(agg);
    placeAt(container, card.element, index);
    updateCard(card, agg);
  });
  document.getElementById('aggregates-empty').hidden = list.length > 0;
}

/** The card of an aggregate, made anew when its chart kind changed (a redefined aggregate). */
function cardFor(agg) {
  const existing = cards.get(agg.name);
  if (existing && existing.kind === agg.chart) return existing;
  if (existing) destroyCard(existing);
  const card = createCard(agg);
  cards.set(agg.name, card);
  return card;
}

/** Moves a node only when it is out of place: moving the focused toggle would drop keyboard focus. */
function placeAt(container, element, index) {
  if (container.children[index] !== element) container.insertBefore(element, container.children[index] || null);
}

function removeCardsExcept(names) {
  for (const [name, card] of cards) {
    if (!names.has(name)) {
      destroyCard(card);
      cards.delete(name);
    }
  }
}

function createCard(agg) {
  const root = document.getElementById('card-template').content.firstElementChild.cloneNode(true);
  const card = {
    name: agg.name,
    kind: agg.chart,
    element: root,
    chartBox: root.querySelector('.chart-box'),
    chartElement: root.querySelector('.chart'),
    tableBox: root.querySelector('.table-box'),
    table: root.querySelector('table.numbers'),
    toggle: root.querySelector('.toggle'),
    chart: null,
    option: null,
    showTable: false,
    hasRows: false,
    hasGoodData: false,
    json: '',
    statusColors: new Map(),
  };
  root.dataset.aggregate = agg.name;
  root.querySelector('.card-title').textContent = agg.name;
  card.table.dataset.aggregateTable = agg.name;
  card.tableBox.id = `table-${agg.name}`;
  card.toggle.setAttribute('aria-controls', card.tableBox.id);
  card.toggle.addEventListener('click', () => toggleTable(card));
  cardsByChart.set(card.chartElement, card);
  chartResizer.observe(card.chartElement);
  return card;
}

function destroyCard(card) {
  chartResizer.unobserve(card.chartElement);
  if (card.chart) card.chart.dispose();
  card.element.remove();
}

function toggleTable(card) {
  if (!hasChart(card.kind)) return;     // table-only card: the button stays focusable but has nothing to switch
  card.showTable = !card.showTable;
  applyView(card);
}

function updateCard(card, agg) {
  const json = JSON.stringify(agg);
  if (json === card.json) return;       // nothing changed: leave DOM and chart alone (keeps text selections)
  card.json = json;
  showCardError(card, agg.error);
  if (agg.error && card.hasGoodData) return;   // keep the last good chart, table and figures
  card.hasGoodData = !agg.error;
  renderCardText(card, agg);
  renderCardTable(card, agg);
  card.hasRows = itemCount(agg) > 0;
  card.option = hasChart(card.kind) && card.hasRows ? chartOption(card, agg) : null;
  setChartHeight(card, chartHeight(agg));
  card.element.classList.toggle('card-wide', isWide(agg));
  applyView(card);
}

function showCardError(card, error) {
  const box = card.element.querySelector('.card-error');
  box.hidden = !error;
  setText(box, error ? `Could not read this aggregate: ${error}` : '');
}

/** Shows chart or table and creates the chart lazily, once its box is visible and has a size. */
function applyView(card) {
  const chartable = hasChart(card.kind);
  const showTable = !chartable || card.showTable;
  card.tableBox.hidden = !showTable;
  card.chartBox.hidden = showTable || !card.hasRows;
  card.element.querySelector('.card-empty').hidden = card.hasRows;
  card.toggle.setAttribute('aria-pressed', String(showTable));
  // aria-disabled rather than disabled: the button stays keyboard reachable on every card
  card.toggle.setAttribute('aria-disabled', String(!chartable));
  card.toggle.title = chartable ? 'Show the numbers as a table' : 'This aggregate has no chart';
  if (!card.chartBox.hidden && card.option) drawChart(card);
}

function drawChart(card) {
  if (!card.chart) card.chart = echarts.init(card.chartElement);
  // replaceMerge drops series that disappeared (e.g. a timeline status); everything else updates in place.
  card.chart.setOption(card.option, {replaceMerge: ['series']});
}

function resizeChartOf(entry) {
  const card = cardsByChart.get(entry.target);
  const visible = entry.contentRect.width > 0 && entry.contentRect.height > 0;
  if (card && card.chart && visible) card.chart.resize();
}

/** Without the chart library (lib/ missing) every card falls back to its table instead of failing. */
function hasChart(kind) {
  return CHART_KINDS.includes(kind) && typeof echarts !== 'undefined';
}

/** Wide cards for charts that need room: a Gantt, or many bars. */
function isWide(agg) {
  if (agg.chart === 'timeline') return true;
  return agg.chart === 'bar' && Array.isArray(agg.groups) && agg.groups.length > 24;
}

function itemCount(agg) {
  if (agg.chart === 'quality') return listOf(agg.columns).length;
  if (agg.chart === 'timeline') return listOf(agg.timeline && agg.timeline.items).length;
  return listOf(agg.groups).length;
}

/* ---------- aggregates: card text ---------- */

function renderCardText(card, agg) {
  const root = card.element;
  root.dataset.asOf = agg.asOfCommitTime || '';
  root.dataset.rows = jsonText(agg.rows);
  root.querySelector('.card-subtitle').textContent = describe(agg);
  root.querySelector('.meta-as-of').textContent = agg.asOfCommitTime
    ? `as of ${formatDateTime(agg.asOfCommitTime)}` : 'nothing applied yet';
  root.querySelector('.meta-rows').textContent = `${formatNumber(agg.rows || 0)} rows`;
  root.querySelector('.meta-groups').textContent = countText(agg);
  card.table.caption.textContent = `${agg.name}: ${describe(agg)}`;
}

/** "count of klienci by kraj", "sum budzet of projekty by klienci.kraj per month", "quality of klienci". */
function describe(agg) {
  const fn = agg.function || 'aggregate';
  const table = agg.table || '?';
  if (fn === 'quality' || fn === 'mirror') return `${fn} of ${table}`;
  const measure = fn === 'count' ? 'count' : `${fn} ${valueColumn(agg)}`;
  return `${measure} of ${table} by ${groupColumn(agg)}${bucketText(agg.bucket)}`;
}

/** The value column: the server names the value "<function>_<column>" (avg_wiek). */
function valueColumn(agg) {
  const name = agg.valueName || '';
  const prefix = `${agg.function}_`;
  return name.startsWith(prefix) ? name.slice(prefix.length) : name;
}

/** The group column, qualified by the joined table when there is one (klienci.kraj). */
function groupColumn(agg) {
  const join = agg.join;
  const joined = typeof join === 'string' ? join : join && typeof join.table === 'string' ? join.table : '';
  const column = agg.groupBy || 'group';
  return joined && !column.includes('.') ? `${joined}.${column}` : column;
}

function bucketText(bucket) {
  if (bucket === null || bucket === undefined || bucket === '') return '';
  return isNumeric(bucket) ? `, in buckets of ${bucket}` : ` per ${bucket}`;
}

function countText(agg) {
  if (agg.chart === 'quality') return `${listOf(agg.columns).length} columns`;
  if (agg.chart === 'timeline') {
    const shown = listOf(agg.timeline && agg.timeline.items).length;
    const total = agg.timeline && Number.isFinite(agg.timeline.total) ? agg.timeline.total : shown;
    return shown < total ? `${formatNumber(shown)} of ${formatNumber(total)} items` : `${formatNumber(total)} items`;
  }
  const shown = listOf(agg.groups).length;
  const total = Number.isFinite(agg.groupCount) ? agg.groupCount : shown;
  return agg.truncated ? `${formatNumber(shown)} of ${formatNumber(total)} groups` : `${formatNumber(total)} groups`;
}

/* ---------- aggregates: tables (the copyable numbers and the test hooks) ---------- */

function renderCardTable(card, agg) {
  if (agg.chart === 'quality') fillTable(card.table, qualityHead(), listOf(agg.columns).map(qualityRow));
  else if (agg.chart === 'timeline') fillTimelineTable(card.table, agg.timeline);
  else fillTable(card.table, groupHead(agg), listOf(agg.groups).map(groupRow));
}

function fillTable(table, headings, rows) {
  const head = document.createElement('tr');
  headings.forEach(([text, numeric]) => head.append(cell('th', text, {scope: 'col', class: numeric ? 'num' : null})));
  table.tHead.replaceChildren(head);
  table.tBodies[0].replaceChildren(...rows);
}

function groupHead(agg) {
  return [[groupColumn(agg), false], [agg.valueName || 'value', true], ['rows', true]];
}

function groupRow(group) {
  const row = element('tr', {
    class: 'group-row',
    'data-group': isNull(group.group) ? null : String(group.group),
    'data-null': isNull(group.group) ? 'true' : null,
    'data-value': jsonText(group.value),
    'data-rows': jsonText(group.rows),
  });
  row.append(
    cell('th', groupLabel(group.group), {scope: 'row', class: isNull(group.group) ? 'null-group' : null}),
    cell('td', formatNumber(group.value), {class: 'num'}),
    cell('td', formatNumber(group.rows), {class: 'num'}));
  return row;
}

function qualityHead() {
  return [['column', false], ['rows', true], ['nulls', true], ['empty', true]];
}

function qualityRow(column) {
  const row = element('tr', {
    class: 'column-row',
    'data-column': jsonText(column.column),
    'data-rows': jsonText(column.rows),
    'data-nulls': jsonText(column.nulls),
    'data-empty': jsonText(column.empty),
  });
  row.append(
    cell('th', column.column, {scope: 'row'}),
    cell('td', formatNumber(column.rows), {class: 'num'}),
    cell('td', formatNumber(column.nulls), {class: 'num'}),
    // empty is null for non-text columns, which cannot be empty
    cell('td', isNull(column.empty) ? 'n/a' : formatNumber(column.empty), {class: 'num'}));
  return row;
}

function fillTimelineTable(table, timeline) {
  const t = timeline || {};
  const headings = [[t.label || 'label', false], [t.start || 'start', false], [t.end || 'end', false],
    [t.status || 'status', false]];
  fillTable(table, headings, listOf(t.items).map(timelineRow));
}

function timelineRow(item) {
  const row = element('tr', {
    class: 'item-row',
    'data-id': jsonText(item.id),
    'data-label': jsonText(item.label),
    'data-start': jsonText(item.start),
    'data-end': jsonText(item.end),
    'data-status': jsonText(item.status),
  });
  row.append(
    cell('th', groupLabel(item.label), {scope: 'row'}),
    cell('td', isNull(item.start) ? '–' : item.start),
    cell('td', isNull(item.end) ? 'open' : item.end),
    cell('td', groupLabel(item.status)));
  return row;
}

/* ---------- aggregates: chart options ---------- */

function chartOption(card, agg) {
  switch (agg.chart) {
    case 'bar': return groupChartOption(agg, barSeries(agg));
    case 'histogram': return groupChartOption(agg, histogramSeries(agg));
    case 'line': return groupChartOption(agg, lineSeries(agg));
    case 'quality': return qualityOption(agg);
    case 'timeline': return timelineOption(card, agg);
    default: return null;
  }
}

function baseOption() {
  return {
    aria: {enabled: true},              // ECharts writes a text description on the chart element
    animationDurationUpdate: 300,
    grid: {left: 8, right: 16, top: 16, bottom: 8, containLabel: true},
    // confine keeps tooltips inside the chart: they must never widen the page on a phone
    tooltip: {confine: true},
  };
}

/** Bar, histogram and line share one shape: x = groups in server order, y = value. Each group is a band, also
 *  on a line: its points sit mid-bucket and the edge labels are not clipped. */
function groupChartOption(agg, series) {
  const groups = listOf(agg.groups);
  const labels = groups.map((g) => axisLabel(agg, g.group));
  const rotate = rotateLabels(labels);
  return Object.assign(baseOption(), {
    // containLabel misses the left overhang of slanted, truncated labels: leave room for it
    grid: {left: rotate ? 36 : 8, right: 16, top: 16, bottom: 8, containLabel: true},
    tooltip: {trigger: 'axis', confine: true, formatter: (params) => groupTooltip(agg, groups, params)},
    xAxis: {
      type: 'category',
      data: labels,
      axisLabel: {hideOverlap: true, rotate: rotate ? 35 : 0, width: 90, overflow: 'truncate'},
    },
    yAxis: {type: 'value', axisLabel: {formatter: formatCompact}},
    series: [series],
  });
}

/** Slanted labels when straight ones would not fit side by side. */
function rotateLabels(labels) {
  const longest = Math.max(0, ...labels.map((label) => label.length));
  return labels.length * longest > 48;
}

function barSeries(agg) {
  return {type: 'bar', name: agg.valueName, color: BAR_COLOR, data: values(agg)};
}

function histogramSeries(agg) {
  // bars touch, as in a histogram; a thin white border keeps neighbouring buckets apart
  return {type: 'bar', name: agg.valueName, color: BAR_COLOR, barCategoryGap: '0%',
    itemStyle: {borderColor: '#ffffff', borderWidth: 1}, data: values(agg)};
}

function lineSeries(agg) {
  const count = listOf(agg.groups).length;
  return {type: 'line', name: agg.valueName, color: BAR_COLOR, showSymbol: count <= 60,
    areaStyle: {opacity: 0.12}, data: values(agg)};
}

function values(agg) {
  return listOf(agg.groups).map((g) => (Number.isFinite(g.value) ? g.value : null));
}

function groupTooltip(agg, groups, params) {
  const first = Array.isArray(params) ? params[0] : params;
  const group = first && groups[first.dataIndex];
  if (!group) return '';
  return `${escapeHtml(rangeLabel(agg, group.group))}<br>`
    + `${escapeHtml(agg.valueName || 'value')}: <b>${formatNumber(group.value)}</b><br>`
    + `${formatNumber(group.rows)} rows`;
}

/** Axis text of a group: a date bucket reads as "Mar 2024", "2024 Q1"; NULL as "(null)". */
function axisLabel(agg, group) {
  if (isNull(group)) return '(null)';
  return agg.chart === 'line' ? formatDateBucket(String(group), agg.bucket) : String(group);
}

/** Tooltip text of a group: a width bucket 20 with width 10 holds 20 to under 30. */
function rangeLabel(agg, group) {
  if (agg.chart === 'histogram' && !isNull(group) && isNumeric(group) && isNumeric(agg.bucket)) {
    const upper = Number(group) + Number(agg.bucket);
    return `${formatNumber(Number(group))} to under ${formatNumber(upper)}`;
  }
  return axisLabel(agg, group);
}

function qualityOption(agg) {
  const columns = listOf(agg.columns);
  return Object.assign(baseOption(), {
    legend: {top: 0, data: ['NULL', 'empty']},
    grid: {left: 8, right: 16, top: 28, bottom: 4, containLabel: true},
    tooltip: {trigger: 'axis', axisPointer: {type: 'shadow'}, confine: true,
      formatter: (params) => qualityTooltip(columns, params)},
    xAxis: {type: 'value', minInterval: 1, axisLabel: {formatter: formatCompact}},
    yAxis: {type: 'category', inverse: true, data: columns.map((c) => String(c.column)),
      axisLabel: {width: 110, overflow: 'truncate'}},
    series: [
      {name: 'NULL', type: 'bar', stack: 'missing', color: QUALITY_COLORS.nulls, data: columns.map((c) => c.nulls)},
      {name: 'empty', type: 'bar', stack: 'missing', color: QUALITY_COLORS.empty, data: columns.map((c) => c.empty)},
    ],
  });
}

function qualityTooltip(columns, params) {
  const column = columns[params[0] && params[0].dataIndex];
  if (!column) return '';
  const empty = isNull(column.empty) ? 'n/a (not text)' : formatNumber(column.empty);
  return `<b>${escapeHtml(column.column)}</b> (${formatNumber(column.rows)} rows)<br>`
    + `NULL: ${formatNumber(column.nulls)}<br>empty: ${empty}`;
}

/** A Gantt: one custom series per status, so the legend is the status key. */
function timelineOption(card, agg) {
  const items = listOf(agg.timeline && agg.timeline.items);
  const now = Date.now();
  const byStatus = new Map();
  items.forEach((item, index) => {
    const span = itemSpan(item, now);
    if (!span) return;                  // no start date: listed in the table only
    const status = groupLabel(item.status);
    if (!byStatus.has(status)) byStatus.set(status, []);
    byStatus.get(status).push([index, span[0], span[1]]);
  });
  return Object.assign(baseOption(), {
    legend: {top: 0, type: 'scroll'},
    grid: {left: 8, right: 24, top: 32, bottom: 8, containLabel: true},
    tooltip: {trigger: 'item', confine: true, formatter: (params) => timelineTooltip(items, params)},
    xAxis: {type: 'time', axisLabel: {hideOverlap: true}},
    yAxis: {type: 'category', inverse: true, data: items.map((i) => groupLabel(i.label)),
      axisLabel: {width: 120, overflow: 'truncate'}},
    series: [...byStatus].map(([status, data]) => ({
      type: 'custom',
      name: status,
      color: statusColor(card, status),
      renderItem: renderGanttBar,
      encode: {x: [1, 2], y: 0},
      data,
    })),
  });
}

/** [start ms, end ms] of an item; an open end runs to now, a date-only end covers its whole day. */
function itemSpan(item, now) {
  const start = parseDate(item.start);
  if (start === null) return null;
  const end = isNull(item.end) ? now : parseDate(item.end, true);
  return [start, end === null ? now : Math.max(end, start)];
}

function renderGanttBar(params, api) {
  const row = api.value(0);
  const from = api.coord([api.value(1), row]);
  const to = api.coord([api.value(2), row]);
  const height = api.size([0, 1])[1] * 0.6;
  const shape = echarts.graphic.clipRectByRect(
    {x: from[0], y: from[1] - height / 2, width: Math.max(to[0] - from[0], 2), height},
    {x: params.coordSys.x, y: params.coordSys.y, width: params.coordSys.width, height: params.coordSys.height});
  return shape && {type: 'rect', transition: ['shape'], shape, style: api.style()};
}

function timelineTooltip(items, params) {
  const item = items[params.value && params.value[0]];
  if (!item) return '';
  const end = isNull(item.end) ? 'open' : item.end;
  return `<b>${escapeHtml(groupLabel(item.label))}</b><br>${escapeHtml(item.start)} → ${escapeHtml(end)}<br>`
    + `${escapeHtml(groupLabel(item.status))}`;
}

/** A status keeps its colour for the card's life, so bars do not change colour when statuses come and go. */
function statusColor(card, status) {
  if (!card.statusColors.has(status)) {
    card.statusColors.set(status, STATUS_PALETTE[card.statusColors.size % STATUS_PALETTE.length]);
  }
  return card.statusColors.get(status);
}

/** Charts with a row per column or project grow with them; others keep the CSS height. */
function chartHeight(agg) {
  if (agg.chart === 'quality') return clamp(itemCount(agg) * 26 + 70, 160, 720);
  if (agg.chart === 'timeline') return clamp(itemCount(agg) * 26 + 90, 220, 720);
  return null;
}

/** Sets the chart element's height (CSSOM, allowed under CSP); the resize observer resizes the chart. */
function setChartHeight(card, pixels) {
  const height = pixels === null ? '' : `${Math.round(pixels)}px`;
  if (card.chartElement.style.height !== height) card.chartElement.style.height = height;
}

/* ---------- flow panel ---------- */

function renderFlow(flow) {
  if (!flow || typeof flow !== 'object') return;
  const section = document.getElementById('flow');
  section.dataset.slotLagBytes = jsonText(flow.slotLagBytes);
  renderStages(flow.stages);
  renderSlotLag(flow.slotLagBytes, listOf(flow.slotLagHistory));
  renderLastObject(flow.lastObject);
  if (changed('consumerLag', flow.consumerLag)) renderConsumerLag(listOf(flow.consumerLag));
  if (changed('deadLetters', flow.deadLetters)) renderDeadLetters(listOf(flow.deadLetters));
  if (changed('doctor', flow.doctor)) renderDoctor(flow.doctor);
}

/** Stage rows are kept and updated in place, so a selection in the table survives polls. */
function renderStages(stages) {
  const body = document.querySelector('#flow-stages tbody');
  const list = uniqueByKey(stages, 'id');
  const ids = new Set(list.map((stage) => stage.id));
  for (const [id, entry] of stageRows) {
    if (!ids.has(id)) {
      entry.row.remove();
      stageRows.delete(id);
    }
  }
  list.forEach((stage, index) => {
    const entry = stageRows.get(stage.id) || createStageRow(stage.id);
    placeAt(body, entry.row, index);
    updateStageRow(entry, stage);
  });
  document.getElementById('flow-stages-empty').hidden = list.length > 0;
}

function createStageRow(id) {
  const entry = {
    row: element('tr', {'data-stage': id}),
    label: cell('th', '', {scope: 'row'}),
    spark: createSpark(),
    rate: element('span'),
    unit: element('span', {class: 'unit'}),   // on its own line: keeps the narrow sidebar table readable
    total: cell('td', '', {class: 'num'}),
  };
  const sparkCell = cell('td', null, {class: 'spark-col'});
  sparkCell.append(entry.spark.svg);
  const nowCell = cell('td', null, {class: 'num'});
  nowCell.append(entry.rate, ' ', entry.unit);
  entry.row.append(entry.label, sparkCell, nowCell, entry.total);
  stageRows.set(id, entry);
  return entry;
}

function updateStageRow(entry, stage) {
  const rates = listOf(stage.rates);
  const current = rates.length ? rates[rates.length - 1] : 0;
  entry.row.dataset.total = jsonText(stage.total);
  setText(entry.label, stage.label || stage.id);
  setText(entry.rate, formatNumber(current));
  setText(entry.unit, stage.unit || '');
  setText(entry.total, formatNumber(stage.total));
  entry.spark.update(rates);
}

function renderSlotLag(bytes, history) {
  setText(document.getElementById('slot-lag'), formatBytes(bytes));
  slotLagSpark.update(history);
}

function renderLastObject(last) {
  const age = document.getElementById('last-object-age');
  const key = document.getElementById('last-object-key');
  if (!last) {
    setText(age, 'none yet');
    setBreakableText(key, 'no object archived yet');
    return;
  }
  setText(age, `${formatAge(last.ageSeconds)} ago`);
  setBreakableText(key, last.key || '');
}

function renderConsumerLag(lags) {
  const rows = lags.map((lag) => {
    const row = element('tr', {class: lag.records > 0 ? 'lagging' : null});
    row.append(breakableCell('th', lag.group, {scope: 'row'}), breakableCell('td', lag.topic),
      cell('td', formatNumber(lag.records), {class: 'num'}));
    return row;
  });
  document.querySelector('#consumer-lag tbody').replaceChildren(...rows);
  document.getElementById('consumer-lag-empty').hidden = lags.length > 0;
}

/** Non-zero dead letters need a person: highlighted, and said in words, not by colour alone. */
function renderDeadLetters(letters) {
  const rows = letters.map((letter) => {
    const alert = letter.records > 0;
    const row = element('tr', {class: alert ? 'alert' : null});
    const count = cell('td', formatNumber(letter.records), {class: 'num'});
    if (alert) count.append(element('span', {class: 'badge badge-fail'}, 'check'));
    row.append(breakableCell('th', letter.topic, {scope: 'row'}), count);
    return row;
  });
  document.querySelector('#dead-letters tbody').replaceChildren(...rows);
  document.getElementById('dead-letters-empty').hidden = letters.length > 0;
}

function renderDoctor(doctor) {
  const meta = document.getElementById('doctor-meta');
  const checks = doctor ? listOf(doctor.checks) : [];
  if (!doctor) meta.textContent = 'doctor not run yet';
  else meta.textContent = doctor.checkedAt ? `checked ${formatDateTime(doctor.checkedAt)}` : 'checked';
  const passed = checks.filter((check) => String(check.status).toUpperCase() === 'OK');
  const toActOn = checks.filter((check) => String(check.status).toUpperCase() !== 'OK');
  document.getElementById('doctor-checks').replaceChildren(...toActOn.map(doctorCheck));
  document.getElementById('doctor-ok').hidden = passed.length === 0;
  document.getElementById('doctor-ok-summary').textContent =
    `${numberFormat.format(passed.length)} ${passed.length === 1 ? 'check' : 'checks'} OK`;
  document.getElementById('doctor-ok-checks').replaceChildren(...passed.map(doctorCheck));
}

function doctorCheck(check) {
  const status = String(check.status || 'INFO').toUpperCase();
  const item = element('li', {class: `check check-${status.toLowerCase()}`});
  const line = element('p', {class: 'check-line'});
  line.append(element('span', {class: `badge badge-${status.toLowerCase()}`}, status), ' ',
    element('strong', {}, check.component || ''), check.detail ? ` ${check.detail}` : '');
  item.append(line);
  if ((status === 'WARN' || status === 'FAIL') && check.fix) {
    item.append(element('p', {class: 'check-fix'}, `Fix: ${check.fix}`));
  }
  return item;
}

/** True (and remembered) when a flow part differs from what was last rendered. */
function changed(key, value) {
  const json = JSON.stringify(value === undefined ? null : value);
  if (flowMemo[key] === json) return false;
  flowMemo[key] = json;
  return true;
}

/* ---------- sparklines (plain SVG: dozens of tiny ECharts instances would cost more than they show) ---------- */

function createSpark() {
  const svg = document.createElementNS(SVG_NS, 'svg');
  svg.setAttribute('viewBox', `0 0 ${SPARK_WIDTH} ${SPARK_HEIGHT}`);
  svg.setAttribute('preserveAspectRatio', 'none');
  svg.setAttribute('class', 'spark');
  svg.setAttribute('aria-hidden', 'true');  // the numbers next to it are the accessible text
  svg.setAttribute('focusable', 'false');
  const path = document.createElementNS(SVG_NS, 'path');
  path.setAttribute('class', 'spark-line');
  svg.append(path);
  return {svg, update: (values) => path.setAttribute('d', sparkPath(values))};
}

/** A path of the values right-aligned on a 300-point scale; unknown values (null, -1) leave a gap. */
function sparkPath(values) {
  const recent = values.slice(-SPARK_POINTS);
  const max = Math.max(1, ...recent.filter(Number.isFinite));
  const offset = SPARK_POINTS - recent.length;
  let path = '';
  let drawing = false;
  recent.forEach((value, index) => {
    if (!Number.isFinite(value) || value < 0) {
      drawing = false;
      return;
    }
    const x = ((offset + index) * SPARK_WIDTH) / (SPARK_POINTS - 1);
    const y = SPARK_HEIGHT - 2 - (value / max) * (SPARK_HEIGHT - 4);
    path += `${drawing ? 'L' : 'M'}${x.toFixed(1)} ${y.toFixed(1)}`;
    drawing = true;
  });
  return path;
}

/* ---------- formatting ---------- */

function formatNumber(value) {
  return Number.isFinite(value) ? numberFormat.format(value) : '–';
}

function formatCompact(value) {
  return compactFormat.format(value);
}

/** Bytes in binary units: 1024 -> "1.0 KiB"; -1 (not measured) -> "unknown". */
function formatBytes(bytes) {
  if (!Number.isFinite(bytes) || bytes < 0) return 'unknown';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return unit === 0 ? `${numberFormat.format(value)} B` : `${value.toFixed(1)} ${units[unit]}`;
}

function formatAge(seconds) {
  if (!Number.isFinite(seconds)) return '?';
  if (seconds < 60) return `${seconds.toFixed(1)} s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min ${Math.floor(seconds % 60)} s`;
  return `${Math.floor(seconds / 3600)} h ${Math.floor((seconds % 3600) / 60)} min`;
}

function formatDateTime(iso) {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? String(iso) : dateTimeFormat.format(date);
}

function formatDateBucket(text, bucket) {
  const date = parseDate(text);
  if (date === null) return text;
  const day = new Date(date);
  if (bucket === 'year') return String(day.getFullYear());
  if (bucket === 'quarter') return `${day.getFullYear()} Q${Math.floor(day.getMonth() / 3) + 1}`;
  if (bucket === 'month') return monthFormat.format(day);
  return text;                          // day and week: the ISO date is the clearest label
}

/** Milliseconds of an ISO date or timestamp; a bare date is local midnight (or the end of that day). */
function parseDate(text, endOfDay = false) {
  if (typeof text !== 'string') return null;
  const day = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (day) return new Date(+day[1], day[2] - 1, +day[3] + (endOfDay ? 1 : 0)).getTime();
  const time = Date.parse(text);
  return Number.isNaN(time) ? null : time;
}

/* ---------- small helpers ---------- */

function element(tag, attributes, text) {
  const node = document.createElement(tag);
  Object.entries(attributes || {}).forEach(([name, value]) => {
    if (value !== null && value !== undefined) node.setAttribute(name, value);
  });
  if (text !== null && text !== undefined) node.textContent = text;
  return node;
}

function cell(tag, text, attributes) {
  return element(tag, attributes, text);
}

function breakableCell(tag, text, attributes) {
  const node = element(tag, attributes);
  node.append(breakableText(text));
  return node;
}

function setBreakableText(node, text) {
  if (node.textContent !== text) node.replaceChildren(breakableText(text));
}

/** Text with a line-break chance after . / _ - = + : so topics and object keys wrap at their parts. */
function breakableText(text) {
  const fragment = document.createDocumentFragment();
  String(isNull(text) ? '' : text).split(/([./_=+:-])/).forEach((part) => {
    if (part === '') return;
    fragment.append(part);
    if (/^[./_=+:-]$/.test(part)) fragment.append(document.createElement('wbr'));
  });
  return fragment;
}

/** Writes text only when it differs: no needless layout, no repeated screen-reader announcements. */
function setText(node, text) {
  if (node.textContent !== text) node.textContent = text;
}

/** A test-hook value: the JSON value's JS string ("12", "41.5", "null"). */
function jsonText(value) {
  return value === undefined ? '' : String(value);
}

function groupLabel(value) {
  return isNull(value) ? '(null)' : String(value);
}

function isNull(value) {
  return value === null || value === undefined;
}

function isNumeric(value) {
  return value !== '' && value !== null && Number.isFinite(Number(value));
}

function clamp(value, min, max) {
  return Math.min(Math.max(value, min), max);
}

/** The objects of a list with a non-empty text key, first one per key: a duplicate would fight over one element. */
function uniqueByKey(value, key) {
  const seen = new Set();
  return listOf(value).filter((item) => {
    const id = item && item[key];
    if (typeof id !== 'string' || id === '' || seen.has(id)) return false;
    seen.add(id);
    return true;
  });
}

function listOf(value) {
  return Array.isArray(value) ? value : [];
}

function escapeHtml(value) {
  return String(value).replace(/[&<>"']/g, (c) => ({'&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;'}[c]));
}
