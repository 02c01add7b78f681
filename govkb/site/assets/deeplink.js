// Deep links name an instrument's main page (.../eu-ai-act/#eu-ai-act-art-50-par-2); when
// the instrument is split into parts, move to the part that holds the anchor. The short
// form without the document prefix (#art-50-par-2) is accepted too.
(function () {
  function go() {
    var map = document.getElementById("govkb-parts");
    var id = decodeURIComponent(location.hash.slice(1));
    if (!id || document.getElementById(id)) return;
    var prefixed = map ? map.getAttribute("data-doc") + "-" + id : null;
    if (prefixed && document.getElementById(prefixed)) { location.hash = prefixed; return; }
    if (!map) return;
    var parts = JSON.parse(map.textContent);
    var key = parts[id] ? id : (parts[prefixed] ? prefixed : null);
    if (key) location.replace(parts[key] + "#" + key);
  }
  window.addEventListener("hashchange", go);
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", go); else go();
})();
