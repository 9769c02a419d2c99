/* Every page: Bootstrap Italia's fonts, served from static/ (no CDN).
 * The bundle does not load them by itself: `bootstrap.loadFonts()` injects the
 * @font-face rules, reading the base URL from window.__PUBLIC_PATH__.
 * Kept in a file (not inline) so a strict Content-Security-Policy can be set. */
(function () {
  "use strict";
  var script = document.currentScript;
  if (script && script.dataset.fontsPath) {
    window.__PUBLIC_PATH__ = script.dataset.fontsPath;
  }
  if (window.bootstrap && typeof window.bootstrap.loadFonts === "function") {
    window.bootstrap.loadFonts(window.__PUBLIC_PATH__);
  }
})();
