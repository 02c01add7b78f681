// Search with Pagefind: on the search page, the full interface with its filters (?q=...
// pre-fills the query so that searches can be linked); on every other page, the box in the
// header (theme override partials/pagefind.html) shows the best results as one types.
window.addEventListener("DOMContentLoaded", function () {
  var full = document.getElementById("search");
  var header = document.getElementById("header-search");
  if (full) {
    // The search page's own interface is the one to use there; a second box would compete.
    if (header) header.hidden = true;
    if (typeof PagefindUI === "undefined") {
      full.textContent = "The search index is missing: this site was built without Pagefind.";
      return;
    }
    var ui = new PagefindUI({ element: "#search", showSubResults: true, showImages: false });
    var q = new URLSearchParams(location.search).get("q");
    if (q) ui.triggerSearch(q);
    return;
  }
  if (!header || typeof PagefindModularUI === "undefined") return;   // a site built without search
  var input = document.getElementById("header-search-input");
  var panel = document.getElementById("header-search-panel");
  var all = document.getElementById("header-search-all");
  var search = new PagefindModularUI.Instance();
  search.add(new PagefindModularUI.Input({ inputElement: "#header-search-input" }));
  search.add(new PagefindModularUI.Summary({ containerElement: "#header-search-summary" }));
  search.add(new PagefindModularUI.ResultList({ containerElement: "#header-search-results", showImages: false }));
  search.on("search", function (term) {
    panel.hidden = !term;
    all.href = header.getAttribute("action") + "?q=" + encodeURIComponent(term || "");
  });
  // Pagefind's input keeps Enter from submitting; Enter opens the search page instead.
  input.addEventListener("keydown", function (e) {
    if (e.key === "Enter" && input.value.trim()) header.submit();
  });
  // The panel closes when the reader clicks elsewhere or presses Escape.
  document.addEventListener("click", function (e) { if (!header.contains(e.target)) panel.hidden = true; });
  input.addEventListener("focus", function () { panel.hidden = !input.value.trim(); });
  input.addEventListener("keydown", function (e) { if (e.key === "Escape") panel.hidden = true; });
});
