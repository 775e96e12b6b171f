// From an answer to the sentence. A citation number on the search page opens a page with
// ?markeer=<the quoted sentence> (search_app/sentence_links.py): this marks that sentence
// with <mark class="kb-markeer"> and jumps to it at once (no smooth scroll), in every browser
// with JavaScript. Browsers with text fragments (#…:~:text=…) also highlight it themselves,
// even without JavaScript; a browser without them leaves the directive in location.hash, and
// then this script reads it there too. The sentence is looked for by its letters and digits
// only, so line breaks, markup in the middle (a link, bold text) and the source-note numbers
// of the page (which the quoted text does not have) do not stand in the way.
(function () {
  "use strict";
  var MAX_CHARS = 2000;
  // Parts of a page that are not its text: note numbers, the notes, the ¶ controls, heading links.
  var SKIP = "script, style, sup.kb-bron-ref, .kb-bronnen-noten, details.kb-alinea-citeer, " +
             "a.headerlink, .kb-onzichtbaar, mark.kb-markeer";
  var letter;
  try { letter = new RegExp("[\\p{L}\\p{N}]", "u"); } catch (e) { letter = /[0-9A-Za-z\u00C0-\u024F]/; }

  function decode(text) {
    try { return decodeURIComponent(text); } catch (e) { return ""; }
  }

  // What to mark: {exact} or {start, end}, from ?markeer= or from a text directive in the hash.
  function wanted() {
    var value = new URLSearchParams(location.search).get("markeer");
    if (value) { return { exact: value.slice(0, MAX_CHARS) }; }
    var hash = location.hash;
    var at = hash.indexOf(":~:text=");
    if (at < 0) { return null; }
    var terms = hash.slice(at + 8).split("&")[0].split(",").map(decode);
    // text=[prefix-,]start[,end][,-suffix]: context terms end or start with "-"
    terms = terms.filter(function (t, i) {
      return !(i === 0 && /-$/.test(t)) && !(i === terms.length - 1 && /^-/.test(t));
    });
    if (!terms.length || !terms[0]) { return null; }
    return terms.length > 1 ? { start: terms[0], end: terms[terms.length - 1] } : { exact: terms[0] };
  }

  // The key of a text: its letters and digits, lower case.
  function key(text) {
    var out = "";
    for (var i = 0; i < text.length; i++) {
      var ch = text[i];
      if (letter.test(ch)) { out += ch.toLowerCase().charAt(0); }
    }
    return out;
  }

  // The text nodes under root (in order, skipping SKIP) with the key of all of them and,
  // per key character, the node and offset it comes from.
  function index(root) {
    var nodes = [], chars = [], where = [];
    var walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT, {
      acceptNode: function (node) {
        var parent = node.parentElement;
        return parent && parent.closest(SKIP) ? NodeFilter.FILTER_REJECT : NodeFilter.FILTER_ACCEPT;
      }
    });
    for (var node = walker.nextNode(); node; node = walker.nextNode()) {
      var text = node.data;
      for (var i = 0; i < text.length; i++) {
        if (letter.test(text[i])) {
          chars.push(text[i].toLowerCase().charAt(0));
          where.push([nodes.length, i]);
        }
      }
      nodes.push(node);
    }
    return { nodes: nodes, text: chars.join(""), where: where };
  }

  function find(target, idx) {
    if (target.exact !== undefined) {
      var k = key(target.exact);
      var at = k ? idx.text.indexOf(k) : -1;
      return at < 0 ? null : [at, at + k.length];
    }
    var s = key(target.start), e = key(target.end);
    var from = s ? idx.text.indexOf(s) : -1;
    if (from < 0 || !e) { return null; }
    var to = idx.text.indexOf(e, from + s.length);
    return to < 0 ? null : [from, to + e.length];
  }

  // Wrap key characters [a, b) in <mark> elements, one per text node they touch.
  function wrap(idx, a, b) {
    var first = idx.where[a], last = idx.where[b - 1];
    var marks = [];
    for (var n = first[0]; n <= last[0]; n++) {
      var node = idx.nodes[n];
      var start = n === first[0] ? first[1] : 0;
      var end = n === last[0] ? last[1] + 1 : node.data.length;
      if (!node.data.slice(start, end).trim()) { continue; }
      // include the punctuation right after the last letter (the full stop of the sentence)
      if (n === last[0]) {
        while (end < node.data.length && /[.!?…)"”’']/.test(node.data[end])) { end++; }
      }
      var part = start > 0 ? node.splitText(start) : node;
      if (end - start < part.data.length) { part.splitText(end - start); }
      var mark = document.createElement("mark");
      mark.className = "kb-markeer";
      part.parentNode.insertBefore(mark, part);
      mark.appendChild(part);
      marks.push(mark);
    }
    return marks;
  }

  function jump(element) {
    try {
      element.scrollIntoView({ block: "center", inline: "nearest", behavior: "instant" });
    } catch (e) {
      element.scrollIntoView();
    }
  }

  function markSentence() {
    var target = wanted();
    if (!target) { return null; }
    var anchor = location.hash.slice(1).split(":~:")[0];
    var section = anchor && document.getElementById(decode(anchor));
    var roots = [section, document.querySelector("main"), document.body];
    for (var r = 0; r < roots.length; r++) {
      if (!roots[r]) { continue; }
      var idx = index(roots[r]);
      var range = find(target, idx);
      if (!range) { continue; }
      var marks = wrap(idx, range[0], range[1]);
      if (!marks.length) { return null; }
      var firstMark = marks[0];
      firstMark.classList.add("kb-markeer-begin");
      marks[marks.length - 1].classList.add("kb-markeer-eind");
      firstMark.id = "kb-markering";
      firstMark.setAttribute("tabindex", "-1");
      for (var d = firstMark.closest("details:not([open])"); d; d = d.parentElement.closest("details:not([open])")) {
        d.open = true;
      }
      return firstMark;
    }
    return null;
  }

  var marked = markSentence();
  if (!marked) { return; }
  // Focus moves to the sentence, so a screen reader or the Tab key continues from there.
  var focus = function () {
    try { marked.focus({ preventScroll: true }); } catch (e) { /* older browsers: no focus options */ }
  };
  jump(marked);
  focus();
  // The browser still goes to the anchor of the address once the page has loaded (scrolling
  // there and taking focus away): then jump back to the sentence and focus it again, once.
  var jumped = window.scrollY;
  window.addEventListener("load", function () {
    window.setTimeout(function () {
      if (Math.abs(window.scrollY - jumped) > 2) { jump(marked); }
      if (document.activeElement === document.body || !document.activeElement) { focus(); }
    }, 0);
  }, { once: true });
})();
