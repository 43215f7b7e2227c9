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
  new MutationObserver(nameThumbs).observe(document.documentElement, {childList: true, subtree: true,
                                                                      characterData: true});
})();
