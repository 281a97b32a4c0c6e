/* hwsim explorer: links the views of one sweep (hwsim/explore/html.py writes the data).
 *
 * The selection is the intersection of what each view selects: the parallel-coordinates
 * brushes (plotly_restyle, dimensions[i].constraintrange), a box or lasso region in the Pareto
 * scatter and in the scatter matrix (plotly_selected). Every view then shows the same rows,
 * and the table lists them. Rows are indices 0..N-1 into the embedded columns.
 */
(function () {
  "use strict";

  var D = JSON.parse(document.getElementById("explorer-data").textContent);
  var N = D.shown_rows;
  var COLUMNS = D.columns;
  var OBJECTIVES = D.objectives.map(function (o) { return o[0]; });
  var FRONT_COLOR = "#d62728", OTHER_COLOR = "#9aa5b1", LATENCY_COLOR = "#3e7cb1", ENERGY_COLOR = "#d99a00";
  var SYMBOLS = ["circle", "square", "diamond", "cross", "x", "triangle-up", "triangle-down", "star",
                 "hexagon", "pentagon", "triangle-left", "triangle-right"];
  var TABLE_LIMIT = 200;
  // above this many rows the scatter draws with WebGL (scattergl): SVG keeps one DOM node per
  // point and stops being interactive at a few thousand
  var SVG_POINT_LIMIT = 3000;
  var CONFIG = { responsive: true, displaylogo: false };

  var filters = { parcoords: null, scatter: null, splom: null };
  var selection = null;          // null: nothing selected; else a Uint8Array mask
  var currentRow = null;

  function byId(id) { return document.getElementById(id); }

  // ---- column access --------------------------------------------------------------------------
  function isNumber(v) { return typeof v === "number" && isFinite(v); }
  function numericColumns() {
    return Object.keys(COLUMNS).filter(function (c) {
      var col = COLUMNS[c];
      return !col.cat || col.numeric;
    });
  }
  function categoricalColumns() {
    return Object.keys(COLUMNS).filter(function (c) { return COLUMNS[c].cat; });
  }
  // the value an axis draws: a number, a category's level (numeric keys) or its code
  function axisValue(name, i) {
    var col = COLUMNS[name];
    if (!col.cat) { return col.values[i]; }
    var code = col.codes[i];
    if (code === null) { return null; }
    return col.numeric ? col.levels[code] : code;
  }
  function axisValues(name, rows) { return rows.map(function (i) { return axisValue(name, i); }); }
  function text(name, i) {
    var col = COLUMNS[name];
    if (col.cat) { return col.codes[i] === null ? "" : col.labels[col.codes[i]]; }
    var v = col.values[i];
    return v === null ? "" : formatNumber(v);
  }
  function formatNumber(v) {
    if (!isNumber(v)) { return String(v); }
    if (v !== 0 && (Math.abs(v) >= 1e6 || Math.abs(v) < 1e-3)) { return v.toExponential(4); }
    return String(Math.round(v * 1e6) / 1e6);
  }
  function rowName(i) { return D.point_id ? "point " + D.point_id[i] : "row " + D.row[i]; }
  function allRows() { var r = []; for (var i = 0; i < N; i++) { r.push(i); } return r; }
  var FRONT_ROWS = allRows().filter(function (i) { return D.front[i]; });
  var OTHER_ROWS = allRows().filter(function (i) { return !D.front[i]; });

  var HOVER = null;   // every row's hover text, built once
  function hoverTexts(rows) {
    if (HOVER === null) { HOVER = allRows().map(hoverText); }
    return rows.map(function (i) { return HOVER[i]; });
  }
  function hoverText(i) {
    var lines = ["<b>" + rowName(i) + (D.front[i] ? " (front)" : "") + "</b>"];
    D.keys.forEach(function (k) { lines.push(k + " = " + text(k, i)); });
    OBJECTIVES.forEach(function (k) { lines.push(k + " = " + text(k, i)); });
    return lines.join("<br>");
  }

  // ---- colours and symbols ------------------------------------------------------------------------
  function colorChoice() { return byId("color-select").value; }
  function symbolChoice() { return byId("symbol-select").value; }
  function markerColors(rows) {
    var choice = colorChoice();
    if (choice === "__front__") {
      return { color: rows.map(function (i) { return D.front[i] ? FRONT_COLOR : OTHER_COLOR; }) };
    }
    var col = COLUMNS[choice];
    if (col.cat) {
      return { color: rows.map(function (i) { return col.codes[i] === null ? "#cccccc" : col.colors[col.codes[i]]; }) };
    }
    var range = numericRange(col.values);
    return { color: rows.map(function (i) { return col.values[i]; }), colorscale: "Viridis",
             cmin: range[0], cmax: range[1] };
  }
  function numericRange(values) {
    var lo = Infinity, hi = -Infinity;
    values.forEach(function (v) { if (isNumber(v)) { lo = Math.min(lo, v); hi = Math.max(hi, v); } });
    if (lo === Infinity) { return [0, 1]; }
    return lo === hi ? [lo, lo + 1] : [lo, hi];
  }
  function markerSymbols(rows) {
    var choice = symbolChoice();
    if (choice === "__none__") { return "circle"; }
    var col = COLUMNS[choice];
    return rows.map(function (i) { return col.codes[i] === null ? "circle" : SYMBOLS[col.codes[i] % SYMBOLS.length]; });
  }
  function parcoordsLine() {
    if (selection !== null && (filters.scatter !== null || filters.splom !== null)) {
      return { color: allRows().map(function (i) { return selection[i] ? 1 : 0; }),
               colorscale: [[0, "#d0d6dc"], [1, FRONT_COLOR]], cmin: 0, cmax: 1 };
    }
    var choice = colorChoice();
    if (choice === "__front__") {
      return { color: D.front.map(function (f) { return f ? 1 : 0; }),
               colorscale: [[0, OTHER_COLOR], [1, FRONT_COLOR]], cmin: 0, cmax: 1 };
    }
    var col = COLUMNS[choice];
    if (col.cat) {
      var k = col.levels.length, scale = [];
      col.colors.forEach(function (c, j) { scale.push([j / k, c]); scale.push([(j + 1) / k, c]); });
      if (k === 1) { scale = [[0, col.colors[0]], [1, col.colors[0]]]; }
      return { color: col.codes.map(function (c) { return c === null ? 0 : c; }), colorscale: scale,
               cmin: 0, cmax: Math.max(k - 1, 1) };
    }
    var range = numericRange(col.values);
    return { color: col.values.map(function (v) { return isNumber(v) ? v : range[0]; }), colorscale: "Viridis",
             cmin: range[0], cmax: range[1], showscale: true };
  }
  function drawLegend() {
    var parts = [];
    var choice = colorChoice();
    if (choice === "__front__") {
      parts.push('<span><span class="swatch" style="background:' + FRONT_COLOR + '"></span>on the front</span>');
      parts.push('<span><span class="swatch" style="background:' + OTHER_COLOR + '"></span>dominated</span>');
    } else if (COLUMNS[choice].cat) {
      var col = COLUMNS[choice];
      col.labels.forEach(function (label, j) {
        parts.push('<span><span class="swatch" style="background:' + col.colors[j] + '"></span>' +
                   escapeHtml(choice + " = " + label) + "</span>");
      });
    } else {
      parts.push("<span>colour: " + escapeHtml(choice) + " (Viridis, low to high)</span>");
    }
    if (symbolChoice() !== "__none__") {
      var scol = COLUMNS[symbolChoice()];
      scol.labels.forEach(function (label, j) {
        parts.push("<span>" + SYMBOLS[j % SYMBOLS.length] + ": " + escapeHtml(symbolChoice() + " = " + label) + "</span>");
      });
    }
    byId("legend").innerHTML = parts.join("");
  }
  function escapeHtml(s) {
    return String(s).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }

  // ---- parallel coordinates -----------------------------------------------------------------------
  var PARCOORD_DIMS = D.keys.concat(OBJECTIVES);
  // where a row sits on a parallel-coordinates axis: a category's code (its levels evenly spaced,
  // so 4, 8, ..., 256 do not crowd at one end), or the number itself
  function parcoordsValue(name, i) {
    var col = COLUMNS[name];
    if (col.cat) { return col.codes[i]; }
    return col.values[i];
  }
  function parcoordsDimensions() {
    var rows = allRows();
    return PARCOORD_DIMS.map(function (name) {
      var col = COLUMNS[name];
      var dim = { label: name, tickformat: ".4~g",
                  values: rows.map(function (i) { var v = parcoordsValue(name, i); return v === null ? NaN : v; }) };
      if (col.cat) {
        dim.tickvals = col.levels.map(function (_, j) { return j; });
        dim.ticktext = col.labels;
        dim.range = col.levels.length === 1 ? [-1, 1] : [0, col.levels.length - 1];
      }
      return dim;
    });
  }
  function drawParcoords() {
    var trace = { type: "parcoords", dimensions: parcoordsDimensions(), line: parcoordsLine(),
                  labelangle: -20, labelside: "top" };
    var layout = { margin: { l: 70, r: 70, t: 90, b: 30 } };
    return Plotly.newPlot("parcoords", [trace], layout, CONFIG).then(function (gd) {
      gd.on("plotly_restyle", function () { readParcoordsFilter(gd); });
    });
  }
  function inRanges(v, range) {
    if (!isNumber(v)) { return false; }
    var ranges = Array.isArray(range[0]) ? range : [range];
    return ranges.some(function (r) { return v >= r[0] && v <= r[1]; });
  }
  function readParcoordsFilter(gd) {
    var dims = gd.data[0].dimensions;
    var active = [];
    dims.forEach(function (dim, j) {
      if (dim.constraintrange && dim.constraintrange.length) { active.push([PARCOORD_DIMS[j], dim.constraintrange]); }
    });
    var filter = null;
    if (active.length) {
      filter = new Uint8Array(N);
      for (var i = 0; i < N; i++) {
        filter[i] = active.every(function (a) { return inRanges(parcoordsValue(a[0], i), a[1]); }) ? 1 : 0;
      }
    }
    if (!sameMask(filter, filters.parcoords)) {
      filters.parcoords = filter;
      updateSelection("parcoords");
    }
  }
  function sameMask(a, b) {
    if (a === null || b === null) { return a === b; }
    for (var i = 0; i < a.length; i++) { if (a[i] !== b[i]) { return false; } }
    return true;
  }

  // ---- Pareto scatter -------------------------------------------------------------------------------
  function scatterTraces(threeD) {
    var x = byId("x-select").value, y = byId("y-select").value, z = byId("z-select").value;
    return [[OTHER_ROWS, "dominated"], [FRONT_ROWS, "front"]].map(function (part) {
      var rows = part[0], front = part[1] === "front";
      var marker = markerColors(rows);
      if (threeD && selection !== null) {
        // plotly has no selectedpoints in 3-D: the selection is drawn in colour, the rest in grey
        marker = { color: rows.map(function (i) { return selection[i] ? (front ? FRONT_COLOR : "#1f77b4") : "#d0d6dc"; }) };
      }
      marker.symbol = markerSymbols(rows);
      marker.size = front ? (threeD ? 5 : 9) : (threeD ? 3 : 6);
      marker.opacity = front ? 1 : 0.55;
      marker.line = front ? { width: 1.5, color: "#111111" } : { width: 0 };
      if (front && marker.colorscale) { marker.showscale = true; marker.colorbar = { title: { text: axisTitle(colorChoice()) } }; }
      var type = threeD ? "scatter3d" : (N > SVG_POINT_LIMIT ? "scattergl" : "scatter");
      var trace = { type: type, mode: "markers", name: part[1], marker: marker,
                    x: axisValues(x, rows), y: axisValues(y, rows), customdata: rows,
                    text: hoverTexts(rows), hovertemplate: "%{text}<extra></extra>" };
      if (threeD) { trace.z = axisValues(z, rows); }
      return trace;
    });
  }
  function axisType(name) {
    if (!byId("log-axes").checked) { return "linear"; }
    var values = allRows().map(function (i) { return axisValue(name, i); });
    return values.every(function (v) { return v === null || v > 0; }) ? "log" : "linear";
  }
  function axisTitle(name) {
    var col = COLUMNS[name];
    var title = D.titles[name] || name;
    return col.cat && !col.numeric ? title + " (category code)" : title;
  }
  function drawScatter() {
    var threeD = byId("three-d").checked;
    byId("z-label").hidden = !threeD;
    var x = byId("x-select").value, y = byId("y-select").value, z = byId("z-select").value;
    var layout = { showlegend: true, legend: { orientation: "h", y: -0.18 }, hovermode: "closest",
                   margin: { l: 80, r: 20, t: 20, b: 70 }, dragmode: threeD ? "orbit" : "select" };
    if (threeD) {
      layout.scene = { xaxis: { title: { text: axisTitle(x) }, type: axisType(x) },
                       yaxis: { title: { text: axisTitle(y) }, type: axisType(y) },
                       zaxis: { title: { text: axisTitle(z) }, type: axisType(z) } };
    } else {
      layout.xaxis = { title: { text: axisTitle(x) }, type: axisType(x), automargin: true, exponentformat: "e" };
      layout.yaxis = { title: { text: axisTitle(y) }, type: axisType(y), automargin: true, exponentformat: "e" };
    }
    var traces = scatterTraces(threeD);
    if (!threeD) { applyScatterSelection(traces); }
    return Plotly.react("scatter", traces, layout, CONFIG).then(function (gd) {
      drawLegend();
      if (!gd._hwsimBound) {
        gd._hwsimBound = true;
        gd.on("plotly_selected", function (ev) {
          if (!ev || !ev.points) { return; }
          filters.scatter = maskOf(ev.points.map(function (p) { return p.customdata; }));
          updateSelection("scatter");
        });
        gd.on("plotly_deselect", function () { filters.scatter = null; updateSelection("scatter"); });
        gd.on("plotly_click", function (ev) {
          if (ev && ev.points && ev.points.length) { showDetails(ev.points[0].customdata); }
        });
      }
    });
  }
  function maskOf(rows) {
    var mask = new Uint8Array(N);
    rows.forEach(function (i) { if (i !== undefined && i !== null) { mask[i] = 1; } });
    return mask;
  }
  function applyScatterSelection(traces) {
    [OTHER_ROWS, FRONT_ROWS].forEach(function (rows, t) {
      if (selection === null) { traces[t].selectedpoints = null; return; }
      var picked = [];
      rows.forEach(function (i, j) { if (selection[i]) { picked.push(j); } });
      traces[t].selectedpoints = picked;
      traces[t].unselected = { marker: { opacity: 0.12 } };
    });
  }

  // ---- scatter matrix ---------------------------------------------------------------------------------
  function drawSplom() {
    var rows = allRows();
    var marker = markerColors(rows);
    marker.size = rows.map(function (i) { return D.front[i] ? 7 : 4; });
    marker.line = { width: rows.map(function (i) { return D.front[i] ? 1 : 0; }), color: "#111111" };
    var dims = OBJECTIVES.map(function (name) { return { label: name, values: axisValues(name, rows) }; });
    var trace = { type: "splom", dimensions: dims, marker: marker, showupperhalf: false,
                  diagonal: { visible: OBJECTIVES.length === 1 }, text: hoverTexts(rows),
                  hovertemplate: "%{text}<extra></extra>",
                  selectedpoints: selection === null ? null : selectedRows(),
                  unselected: { marker: { opacity: 0.12 } } };
    var layout = { dragmode: "select", hovermode: "closest", margin: { l: 90, r: 20, t: 20, b: 80 } };
    OBJECTIVES.forEach(function (name, j) {
      var suffix = j === 0 ? "" : String(j + 1);
      layout["xaxis" + suffix] = { title: { text: axisTitle(name) }, automargin: true, type: axisType(name), exponentformat: "e" };
      layout["yaxis" + suffix] = { title: { text: axisTitle(name) }, automargin: true, type: axisType(name), exponentformat: "e" };
    });
    return Plotly.react("splom", [trace], layout, CONFIG).then(function (gd) {
      if (!gd._hwsimBound) {
        gd._hwsimBound = true;
        gd.on("plotly_selected", function (ev) {
          if (!ev || !ev.points) { return; }
          filters.splom = maskOf(ev.points.map(function (p) { return p.pointIndex; }));
          updateSelection("splom");
        });
        gd.on("plotly_deselect", function () { filters.splom = null; updateSelection("splom"); });
        gd.on("plotly_click", function (ev) {
          if (ev && ev.points && ev.points.length) { showDetails(ev.points[0].pointIndex); }
        });
      }
    });
  }

  // ---- the linked selection -------------------------------------------------------------------------
  function selectedRows() {
    var out = [];
    if (selection === null) { return out; }
    for (var i = 0; i < N; i++) { if (selection[i]) { out.push(i); } }
    return out;
  }
  function combine() {
    var active = [filters.parcoords, filters.scatter, filters.splom].filter(function (f) { return f !== null; });
    if (!active.length) { return null; }
    var mask = new Uint8Array(N);
    for (var i = 0; i < N; i++) { mask[i] = active.every(function (f) { return f[i]; }) ? 1 : 0; }
    return mask;
  }
  function updateSelection(origin) {
    selection = combine();
    var count = selection === null ? 0 : selectedRows().length;
    byId("selection-count").textContent = selection === null ? "no selection" : count + " of " + N + " selected";
    drawTable();
    if (byId("three-d").checked) {
      drawScatter();
    } else {
      var gd = byId("scatter");
      var traces = [{}, {}];
      applyScatterSelection(traces);
      Plotly.restyle(gd, { selectedpoints: [traces[0].selectedpoints, traces[1].selectedpoints],
                           unselected: [{ marker: { opacity: 0.12 } }, { marker: { opacity: 0.12 } }] });
    }
    Plotly.restyle(byId("splom"), { selectedpoints: [selection === null ? null : selectedRows()] });
    if (origin !== "parcoords") {
      Plotly.restyle(byId("parcoords"), { line: [parcoordsLine()] });
    }
  }
  function clearSelection() {
    filters = { parcoords: null, scatter: null, splom: null };
    var gd = byId("parcoords");
    var update = {};
    PARCOORD_DIMS.forEach(function (_, j) { update["dimensions[" + j + "].constraintrange"] = null; });
    Plotly.restyle(gd, update).then(function () {
      selection = null;
      updateSelection("clear");
      drawScatter();
    });
  }

  // ---- the table of selected designs ------------------------------------------------------------------
  function drawTable() {
    var rows, title;
    if (selection === null) {
      rows = FRONT_ROWS.slice();
      title = "No selection: the " + FRONT_ROWS.length + " front designs shown";
    } else {
      rows = selectedRows();
      title = rows.length + " selected designs";
    }
    var first = D.objectives[0];
    rows.sort(function (a, b) {
      var va = axisValue(first[0], a), vb = axisValue(first[0], b);
      var d = (va === null ? Infinity : va) - (vb === null ? Infinity : vb);
      return first[1] === "max" ? -d : d;
    });
    var total = rows.length;
    rows = rows.slice(0, TABLE_LIMIT);
    if (total > TABLE_LIMIT) { title += " (the first " + TABLE_LIMIT + " by " + first[0] + ")"; }
    byId("table-title").textContent = title;
    var headers = [D.point_id ? "point_id" : "row", "front"].concat(D.keys, OBJECTIVES);
    var html = ["<thead><tr>" + headers.map(function (h) { return "<th>" + escapeHtml(h) + "</th>"; }).join("") +
                "</tr></thead><tbody>"];
    rows.forEach(function (i) {
      var cells = [D.point_id ? D.point_id[i] : D.row[i], D.front[i] ? "yes" : ""];
      D.keys.concat(OBJECTIVES).forEach(function (k) { cells.push(text(k, i)); });
      html.push('<tr data-row="' + i + '">' + cells.map(function (c) { return "<td>" + escapeHtml(c) + "</td>"; }).join("") +
                "</tr>");
    });
    html.push("</tbody>");
    byId("selection-table").innerHTML = html.join("");
  }

  // ---- run line (same rule as hwsim/explore/breakdown.py run_line) ---------------------------------
  function shellQuote(word) {
    if (word === "") { return "''"; }
    if (/^[A-Za-z0-9_@%+=:,.\/-]+$/.test(word)) { return word; }
    return "'" + word.replace(/'/g, "'\"'\"'") + "'";
  }
  function runWords(i, w) {
    var run = D.run, words = ["hwsim", "run", run.accelerator].concat(run.workloads[w].args);
    var extra = [], sets = [];
    D.keys.forEach(function (key) {
      var col = COLUMNS[key];
      if (col.codes[i] === null) { return; }
      if (key === "precision" && Object.keys(run.precision_sets).length) {
        var combo = run.precision_sets[precisionKey(i)];
        if (combo) { extra = extra.concat(combo.extra); sets = sets.concat(combo.sets); }
        return;
      }
      sets.push(key + "=" + col.labels[col.codes[i]]);
    });
    words = words.concat(extra);
    sets.forEach(function (s) { words.push("--set", s); });
    return words;
  }
  function precisionKey(i) {
    return ["precision"].concat(D.run.context_keys).map(function (k) {
      return COLUMNS[k] && COLUMNS[k].codes[i] !== null ? COLUMNS[k].labels[COLUMNS[k].codes[i]] : "";
    }).join("|");
  }
  function runLine(i, w) { return runWords(i, w).map(shellQuote).join(" "); }

  // ---- details: parameters, run line, breakdowns --------------------------------------------------
  function showDetails(i) {
    if (i === undefined || i === null) { return; }
    currentRow = i;
    byId("details-empty").hidden = true;
    byId("details-body").hidden = false;
    byId("details-title").textContent = rowName(i) + (D.front[i] ? ": on the Pareto front" : ": dominated");
    var params = D.keys.concat(OBJECTIVES).map(function (k) {
      return "<tr><td>" + escapeHtml(k) + "</td><td>" + escapeHtml(text(k, i)) + "</td></tr>";
    });
    byId("details-params").innerHTML = params.join("");
    drawDetailsWorkload();
  }
  function workloadIndex() { return Number(byId("workload-select").value || 0); }
  function drawDetailsWorkload() {
    var i = currentRow, w = workloadIndex();
    var label = D.run.workloads[w].label;
    var embedded = D.breakdowns.designs[String(i)];
    var record = embedded ? embedded.workloads[label] : null;
    byId("run-line").textContent = record ? record.run : runLine(i, w);
    var missing = byId("breakdown-missing");
    if (!record) {
      missing.hidden = false;
      missing.textContent = "No breakdown is embedded for this design (the file holds them for the front and a " +
        "sample; see the notes at the top). The run line above reproduces it.";
      byId("breakdowns").hidden = true;
      return;
    }
    missing.hidden = true;
    byId("breakdowns").hidden = false;
    drawBreakdowns(embedded, record, D.breakdowns.layers[label] || []);
  }
  function drawBreakdowns(design, record, layerNames) {
    var names = record.layer_names || layerNames;
    var energy = record.energy_parts_pj;
    var colors = D.breakdowns.component_colors || {};
    function partColors(names) { return names.map(function (n) { return colors[n] || "#3e7cb1"; }); }
    Plotly.react("bd-energy", [{ type: "bar", x: Object.keys(energy), y: Object.values(energy),
                                 marker: { color: partColors(Object.keys(energy)) }, hovertemplate: "%{x}: %{y:.4g} pJ<extra></extra>" }],
                 { title: { text: "energy by component" }, margin: { l: 70, r: 10, t: 40, b: 60 },
                   xaxis: { title: { text: "component" } }, yaxis: { title: { text: "energy (pJ)" }, exponentformat: "e" } }, CONFIG);
    var area = design.area_mm2;
    Plotly.react("bd-area", [{ type: "bar", x: Object.keys(area), y: Object.values(area),
                               marker: { color: partColors(Object.keys(area)) }, hovertemplate: "%{x}: %{y:.4g} mm²<extra></extra>" }],
                 { title: { text: "area by component" }, margin: { l: 70, r: 10, t: 40, b: 80 },
                   xaxis: { title: { text: "component" } }, yaxis: { title: { text: "area (mm²)" } } }, CONFIG);
    // two axes, one bar each per layer side by side (offset groups); the axis titles carry the bar colours
    Plotly.react("bd-layers", [
      { type: "bar", name: "latency (s)", x: names, y: record.layer_latency_s, marker: { color: LATENCY_COLOR },
        offsetgroup: "latency", hovertemplate: "%{x}: %{y:.4g} s<extra></extra>" },
      { type: "bar", name: "energy (pJ)", x: names, y: record.layer_energy_pj, yaxis: "y2", marker: { color: ENERGY_COLOR },
        offsetgroup: "energy", hovertemplate: "%{x}: %{y:.4g} pJ<extra></extra>" }],
      { title: { text: "per layer: latency (blue, left) and energy (amber, right)" }, barmode: "group", showlegend: false,
        margin: { l: 80, r: 80, t: 40, b: 90 }, xaxis: { title: { text: "layer" }, automargin: true },
        yaxis: { title: { text: "latency (s)", font: { color: LATENCY_COLOR } }, exponentformat: "e" },
        yaxis2: { title: { text: "energy (pJ)", font: { color: ENERGY_COLOR } }, overlaying: "y", side: "right",
                  exponentformat: "e" } }, CONFIG);
    drawRoofline(design, record, names);
  }
  function drawRoofline(design, record, names) {
    var xs = [], ys = [], labels = [], colors = [];
    record.layer_intensity_ops_per_byte.forEach(function (x, j) {
      var y = record.layer_performance_ops_s[j];
      if (isNumber(x) && isNumber(y) && x > 0 && y > 0) {
        xs.push(x); ys.push(y); labels.push(names[j] + (record.layer_bound ? " (" + record.layer_bound[j] + ")" : ""));
      }
    });
    var traces = [{ type: "scatter", mode: "markers", name: "layers", x: xs, y: ys, text: labels,
                    marker: { color: "#3e7cb1", size: 7 },
                    hovertemplate: "%{text}<br>%{x:.3g} ops/byte, %{y:.3g} ops/s<extra></extra>" }];
    if (xs.length) {
      var lo = Math.min.apply(null, xs) / 2, hi = Math.max.apply(null, xs) * 2;
      var peak = design.peak_ops_s, bw = design.dram_bytes_s;
      var roofX = [lo, hi], roofY = [peak, peak];
      if (isNumber(bw) && bw > 0) {
        var knee = peak / bw;
        roofX = [lo]; roofY = [Math.min(peak, bw * lo)];
        if (knee > lo && knee < hi) { roofX.push(knee); roofY.push(peak); }
        roofX.push(hi); roofY.push(Math.min(peak, bw * hi));
      }
      traces.push({ type: "scatter", mode: "lines", name: "roof (peak, DRAM bandwidth)", x: roofX, y: roofY,
                    line: { color: "#111111", dash: "dash" }, hoverinfo: "skip" });
    }
    Plotly.react("bd-roofline", traces,
      { title: { text: "per-layer roofline (dots: layers; dashed: peak at the default precision and DRAM bandwidth)",
                 font: { size: 13 } },
        showlegend: false, margin: { l: 80, r: 20, t: 40, b: 60 },
        xaxis: { type: "log", title: { text: "operational intensity (ops/byte of DRAM traffic)" } },
        yaxis: { type: "log", title: { text: "attained performance (ops/s)" } } }, CONFIG);
  }

  // ---- controls -------------------------------------------------------------------------------------
  function fillSelect(id, options, chosen) {
    var select = byId(id);
    select.innerHTML = options.map(function (o) {
      return '<option value="' + escapeHtml(o[0]) + '"' + (o[0] === chosen ? " selected" : "") + ">" +
             escapeHtml(o[1]) + "</option>";
    }).join("");
  }
  function setUp() {
    byId("title").textContent = D.title;
    var front = D.front_total + " on the Pareto front of " +
      D.objectives.map(function (o) { return o[0] + " (" + o[1] + ")"; }).join(", ");
    byId("summary").textContent = D.shown_rows + " of " + D.total_rows + " rows shown; " + front + ". Source: " + D.source + ".";
    byId("notes").innerHTML = D.notes.map(function (n) { return "<li>" + escapeHtml(n) + "</li>"; }).join("");
    var numeric = numericColumns().map(function (c) { return [c, c]; });
    fillSelect("x-select", numeric, OBJECTIVES[0]);
    fillSelect("y-select", numeric, OBJECTIVES[1] || OBJECTIVES[0]);
    fillSelect("z-select", numeric, OBJECTIVES[2] || OBJECTIVES[0]);
    fillSelect("color-select", [["__front__", "front / dominated"]].concat(Object.keys(COLUMNS).map(function (c) { return [c, c]; })),
               "__front__");
    fillSelect("symbol-select", [["__none__", "none"]].concat(categoricalColumns().map(function (c) { return [c, c]; })),
               "__none__");
    fillSelect("workload-select", D.run.workloads.map(function (w, j) { return [String(j), w.label || "workload"]; }), "0");
    byId("workload-label").hidden = D.run.workloads.length < 2;
    ["x-select", "y-select", "z-select", "three-d", "log-axes", "symbol-select"].forEach(function (id) {
      byId(id).addEventListener("change", function () { drawScatter(); if (id === "log-axes") { drawSplom(); } });
    });
    byId("color-select").addEventListener("change", function () {
      drawScatter(); drawSplom(); Plotly.restyle(byId("parcoords"), { line: [parcoordsLine()] });
    });
    byId("workload-select").addEventListener("change", function () { if (currentRow !== null) { drawDetailsWorkload(); } });
    byId("clear-selection").addEventListener("click", clearSelection);
    byId("selection-table").addEventListener("click", function (ev) {
      var tr = ev.target.closest("tr[data-row]");
      if (tr) { showDetails(Number(tr.getAttribute("data-row"))); }
    });
    byId("copy-run").addEventListener("click", function () {
      var line = byId("run-line").textContent;
      if (navigator.clipboard && navigator.clipboard.writeText) {
        navigator.clipboard.writeText(line).catch(function () { /* file:// may refuse; the text is selectable */ });
      }
    });
    byId("selection-count").textContent = "no selection";
    drawTable();
    return Promise.all([drawParcoords(), drawScatter(), drawSplom()]);
  }

  // for notebooks and tests: the data, the selection, and the same actions the views take
  window.hwsimExplorer = {
    data: D,
    selectedRows: function () { return selection === null ? null : selectedRows(); },
    showDetails: showDetails,
    runLine: runLine,
    clearSelection: clearSelection,
    ready: setUp()
  };
})();
