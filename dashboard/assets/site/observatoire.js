/* Clientside callbacks: what the browser does without a round trip to the server.
   A file rather than inline code, so that the Content-Security-Policy needs no 'unsafe-inline'. */
window.dash_clientside = Object.assign({}, window.dash_clientside, {
  observatoire: {
    /* The page's state in the URL, without reloading it (a shared link reopens the same view). */
    replaceQuery: function (state) {
      if (!state) { return window.dash_clientside.no_update; }
      var params = new URLSearchParams();
      Object.keys(state).forEach(function (key) {
        if (state[key] !== null && state[key] !== undefined) { params.set(key, state[key]); }
      });
      window.history.replaceState(window.history.state, "", window.location.pathname + "?" + params.toString());
      return "";
    },
    /* The map of one period from the series the server sent once (figures/map_series.py): the
       figure, its source note, the period's label, the URL state, the table under the map, sorted
       as asked, and the legend. No request to the server. */
    renderMap: function (series, shapes, index, sort) {
      var noUpdate = window.dash_clientside.no_update;
      var wait = [noUpdate, noUpdate, noUpdate, noUpdate, noUpdate, noUpdate];
      if (series && series.periods && series.periods.length && !shapes) {
        return wait;  // the level's shapes are on their way
      }
      if (!series || !series.periods || !series.periods.length) {
        return [noUpdate, noUpdate, "aucune période", noUpdate,
                {type: "P", namespace: "dash_html_components",
                 props: {children: "Aucune valeur pour ce choix.", className: "text-muted"}}, null];
      }
      var count = series.periods.length;
      var i = (typeof index === "number" && isFinite(index)) ? Math.min(Math.max(Math.round(index), 0), count - 1)
        : count - 1;
      var period = series.periods[i];
      var base = shapes[period.shapes];
      if (!base) { return wait; }  // another level's: wait
      var scale = series.scales[String(period.classes)];
      // The legend is drawn beside (or under) the map, not as plotly's colour bar: showscale false.
      var trace = Object.assign({}, base.figure.data[0], {
        z: period.z, zmin: series.missing - 0.5, zmax: period.classes - 0.5, colorscale: scale, showscale: false,
        customdata: period.text.map(function (text, k) { return [text, series.sources[period.source[k]]]; }),
        hovertemplate: series.template.split(series.mark).join(period.label)
      });
      var layout = Object.assign({}, base.figure.layout, {title: {text: period.title, x: 0.01}});
      var rows = [];
      period.z.forEach(function (z, k) {
        if (period.shown[k]) {
          rows.push([base.names[k], z === series.secret ? null : period.text[k], period.value[k]]);
        }
      });
      var legend = {title: period.legendTitle.split("<br>"),
                    items: period.legend.map(function (label, k) { return [scale[2 * k][1], label]; })};
      return [{data: [trace], layout: layout}, series.notes[period.note], period.label, period.state,
              window.dash_clientside.observatoire.valuesTable(rows, period.title, period.reference, series.unit,
                                                              sort),
              window.dash_clientside.observatoire.mapLegend(legend)];
    },
    /* A map's legend as components/map_frame.py draws it on the server (`map_legend`). */
    mapLegend: function (legend) {
      function el(type, props) { return {type: type, namespace: "dash_html_components", props: props}; }
      var title = [];
      legend.title.forEach(function (line, k) {
        if (k) { title.push(el("Br", {})); }
        title.push(line);
      });
      return [
        el("P", {children: title, className: "map-legend-title"}),
        el("Ul", {className: "list-unstyled mb-0", children: legend.items.map(function (item) {
          return el("Li", {children: [el("Span", {className: "map-swatch", style: {backgroundColor: item[0]}}),
                                      item[1]]});
        })})
      ];
    },
    /* The table of the values of one period, as components/tables.py draws it on the server:
       a caption, "s" with its explanation, secret cells last, aria-sort on the sorted column. */
    valuesTable: function (rows, caption, reference, unit, sort) {
      function el(type, props, namespace) {
        return {type: type, namespace: namespace || "dash_html_components", props: props};
      }
      function cell(text, className) {
        var secret = el("Abbr", {children: "s", title: "Secret statistique : valeur trop petite pour être " +
          "publiée, ou qui permettrait d'en déduire une autre par différence."});
        return el("Td", {children: text === null ? secret : text, className: className});
      }
      if (!rows.length) {
        return el("P", {children: "Aucune valeur pour ce choix.", className: "text-muted"});
      }
      if (sort === "name") {
        rows.sort(function (a, b) { return a[0].localeCompare(b[0], "fr"); });
      } else {
        var sign = sort === "asc" ? 1 : -1;
        rows.sort(function (a, b) {
          var sa = a[1] === null, sb = b[1] === null;
          if (sa !== sb) { return sa ? 1 : -1; }
          if (a[2] === null || b[2] === null) { return (a[2] === null) - (b[2] === null); }
          return sign * (a[2] - b[2]);
        });
      }
      var ariaName = sort === "name" ? "ascending" : "none";
      var ariaValue = sort === "name" ? "none" : (sort === "asc" ? "ascending" : "descending");
      var body = rows.map(function (r) {
        return el("Tr", {children: [el("Th", {children: r[0], scope: "row", className: "fw-normal"}),
                                    cell(r[1], "text-end")]});
      });
      var parts = [
        el("Caption", {children: caption, className: "caption-top"}),
        el("Thead", {children: el("Tr", {children: [
          el("Th", {children: "Territoire", scope: "col", "aria-sort": ariaName}),
          el("Th", {children: "Valeur (" + unit + ")", scope: "col", className: "text-end", "aria-sort": ariaValue})
        ]})}),
        el("Tbody", {children: body})
      ];
      if (reference) {
        parts.push(el("Tfoot", {children: el("Tr", {children: [
          el("Th", {children: reference[0], scope: "row"}),
          cell(reference[1], "text-end fw-semibold")]})}));
      }
      return el("Div", {children: el("Table", {children: parts, size: "sm", striped: true, hover: true,
                                                class_name: "mb-0"}, "dash_bootstrap_components"),
                        className: "table-responsive", style: {maxHeight: "28rem", overflowY: "auto"},
                        tabIndex: "0", role: "region", "aria-label": caption});
    },
    /* The navigation's toggler on phones: open or close the links, and say which to screen readers. */
    toggleNav: function (_clicks, open) {
      return [!open, String(!open)];
    },
    /* The print button of a profile: the browser's print dialog (print CSS lays out the sheet). */
    print: function () {
      window.print();
      return "";
    },
    /* A click on a territory opens its profile. */
    openProfile: function (clickData, path) {
      var point = clickData && clickData.points && clickData.points[0];
      if (point && point.location) {
        window.location.assign(path + encodeURIComponent(point.location));
      }
      return window.dash_clientside.no_update;
    },
    /* A click on a Transmissions cell opens the import that brought that month, if any. Dash's
       clickData drops a heatmap cell's customdata: the cell is found by its x and y in the
       figure drawn ({path, graph}: the import log's path and the graph's id). */
    openImport: function (clickData, target) {
      var point = clickData && clickData.points && clickData.points[0];
      var graph = document.querySelector("#" + target.graph + " .js-plotly-plot");
      var trace = graph && graph.data && graph.data[0];
      if (!point || !trace) {
        return window.dash_clientside.no_update;
      }
      var row = trace.y.indexOf(point.y), column = trace.x.indexOf(point.x);
      var cell = row >= 0 && column >= 0 ? trace.customdata[row][column] : null;
      if (cell && cell[1]) {
        window.location.assign(target.path + "?import=" + encodeURIComponent(cell[1]));
      }
      return window.dash_clientside.no_update;
    },
    /* The play button starts (from the beginning when at the end) or stops the clock. */
    togglePlay: function (_clicks, stopped, value, max) {
      if (stopped) {
        return [false, "⏸ Pause", value >= max ? 0 : window.dash_clientside.no_update];
      }
      return [true, "▶ Lecture", window.dash_clientside.no_update];
    },
    /* One tick of the clock: the next period, and a stop at the last one. */
    step: function (_ticks, value, max) {
      var next = Math.min((value || 0) + 1, max);
      var done = next >= max;
      return [next, done, done ? "▶ Lecture" : "⏸ Pause"];
    }
  }
});

/* Dash's slider gives its thumb no accessible name: name it after the wrapper's
   data-slider-label, and let it speak the period (data-slider-valuetext: id of the label). */
(function () {
  function nameThumbs() {
    document.querySelectorAll("[data-slider-label]").forEach(function (wrapper) {
      var spoken = document.getElementById(wrapper.getAttribute("data-slider-valuetext"));
      wrapper.querySelectorAll("[role=slider]").forEach(function (thumb) {
        if (thumb.getAttribute("aria-label") !== wrapper.getAttribute("data-slider-label")) {
          thumb.setAttribute("aria-label", wrapper.getAttribute("data-slider-label"));
        }
        if (spoken && spoken.textContent && thumb.getAttribute("aria-valuetext") !== spoken.textContent) {
          thumb.setAttribute("aria-valuetext", spoken.textContent);
        }
      });
    });
  }
  /* A table box that scrolls sideways on a phone must take the keyboard's focus (the arrow keys
     then scroll it): the boxes that components/tables.py does not make (dbc.Table(responsive=True)). */
  function focusableScrollBoxes() {
    document.querySelectorAll(".table-responsive:not([tabindex])").forEach(function (box) {
      box.setAttribute("tabindex", "0");
      var caption = box.querySelector("caption");
      box.setAttribute("role", "region");
      box.setAttribute("aria-label", caption ? caption.textContent : "Tableau");
    });
  }
  new MutationObserver(function () { nameThumbs(); focusableScrollBoxes(); })
    .observe(document.documentElement, {childList: true, subtree: true, characterData: true});
})();
