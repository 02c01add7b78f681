// Pagefind UI on the search page; ?q=... pre-fills the query so searches can be linked.
window.addEventListener("DOMContentLoaded", function () {
  if (typeof PagefindUI === "undefined") {
    var el = document.getElementById("search");
    el.textContent = "The search index is missing: this site was built without Pagefind.";
    return;
  }
  var ui = new PagefindUI({ element: "#search", showSubResults: true, showImages: false });
  var q = new URLSearchParams(location.search).get("q");
  if (q) ui.triggerSearch(q);
});
