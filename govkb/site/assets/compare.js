// Compare two instruments (or a baseline and an instrument) theme by theme from the
// generated index. All data is inserted with textContent, never innerHTML, because it
// carries text scraped from the source documents.
(function () {
  var out = document.getElementById("compare-out");
  if (!out) return;
  function el(tag, text, cls) {
    var e = document.createElement(tag);
    if (text != null) e.textContent = text;
    if (cls) e.className = cls;
    return e;
  }
  // Scores are signed (-1 divergent .. +1 aligned), printed like the pages do ("+0.68").
  function signed(x) { return (x < 0 ? "-" : "+") + Math.abs(x).toFixed(2); }
  function a(href, text) { var e = el("a", text); e.setAttribute("href", href); return e; }
  fetch(out.getAttribute("data-index")).then(function (r) { return r.json(); }).then(function (idx) {
    var left = document.getElementById("cmp-left"), right = document.getElementById("cmp-right");
    var options = [];
    idx.baselines.forEach(function (b) { options.push(["b:" + b.id, "Baseline: " + b.title]); });
    idx.instruments.forEach(function (i) { options.push(["i:" + i.id, i.family + ": " + i.title]); });
    [left, right].forEach(function (sel) {
      options.forEach(function (o) { var opt = el("option", o[1]); opt.value = o[0]; sel.appendChild(opt); });
      sel.addEventListener("change", render);
    });
    var params = new URLSearchParams(location.search);
    left.value = params.get("left") || (options[0] && options[0][0]);
    right.value = params.get("right") || (options[1] && options[1][0]);
    function side(key, theme) {
      var box = el("div", null, "cmp-side");
      var kind = key.slice(0, 2), id = key.slice(2);
      if (kind === "b:") {
        var b = idx.baselines.find(function (x) { return x.id === id; });
        var pos = (b && b.positions[theme]) || [];
        if (!pos.length) box.appendChild(el("p", "No position on this theme.", "small"));
        pos.forEach(function (p) {
          box.appendChild(el("p", p.id + ": " + p.stance));
          var ul = el("ul");
          p.cites.forEach(function (c) { var li = el("li"); li.appendChild(c[1] ? a(c[1], c[0]) : el("span", c[0])); ul.appendChild(li); });
          box.appendChild(ul);
        });
        return box;
      }
      Object.keys(idx.cells).forEach(function (bid) {
        var c = idx.cells[bid][id + "|" + theme];
        if (c) box.appendChild(el("p", "Against " + bid + ": " + c[0] + (c[1] != null ? " (" + signed(c[1]) + ")" : ""),
                                  "lbl lbl-" + c[0].replace(/ /g, "-")));
      });
      var provs = (idx.provisions[id] || {})[theme] || [];
      if (!provs.length) box.appendChild(el("p", "No provisions on this theme (or no theme annotations yet).", "small"));
      var ul = el("ul");
      provs.forEach(function (p) {
        var li = el("li"); li.appendChild(a(p[1], p[0]));
        if (p[2]) li.appendChild(el("span", " " + p[2], "tag modality"));
        li.appendChild(el("span", " " + p[3])); ul.appendChild(li);
      });
      box.appendChild(ul);
      return box;
    }
    function render() {
      out.textContent = "";
      // A text that is not the law as it stands says so above the comparison.
      [left.value, right.value].forEach(function (key) {
        var inst = key.slice(0, 2) === "i:" && idx.instruments.find(function (x) { return x.id === key.slice(2); });
        if (inst && inst.status) out.appendChild(el("p", inst.title + ": " + inst.status, "banner status-nc"));
      });
      idx.themes.forEach(function (t) {
        out.appendChild(el("h2", t.label));
        var grid = el("div", null, "compare-grid");
        grid.appendChild(side(left.value, t.id));
        grid.appendChild(side(right.value, t.id));
        out.appendChild(grid);
      });
    }
    render();
  }).catch(function (e) { out.textContent = "Could not load the comparison index: " + e; });
})();
