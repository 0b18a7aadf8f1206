// Keyboard shortcuts for the workspace; every page works without this file. The list a person
// sees is the "Keyboard shortcuts" dialog in the page (press "?"), kept beside these handlers.
(function () {
  "use strict";
  var QUEUE_KEY = "rapport.queue";

  function typing(t) {
    return t && (t.tagName === "INPUT" || t.tagName === "TEXTAREA" || t.tagName === "SELECT" || t.isContentEditable);
  }

  function queueLinks() {
    return Array.prototype.slice.call(document.querySelectorAll("table.queue td.title a"));
  }

  // The queue a person opened a request from, so j and k on the request page walk it.
  function rememberQueue() {
    var links = queueLinks();
    if (!links.length) return;
    try {
      sessionStorage.setItem(QUEUE_KEY, JSON.stringify(links.map(function (a) { return a.getAttribute("href"); })));
    } catch (e) { /* storage off: j and k still work on the queue itself */ }
  }

  function step(delta) {
    var links = queueLinks();
    if (links.length) {
      var at = links.indexOf(document.activeElement);
      var next = at < 0 ? (delta > 0 ? 0 : links.length - 1) : Math.min(Math.max(at + delta, 0), links.length - 1);
      links[next].focus();
      return true;
    }
    var list;
    try { list = JSON.parse(sessionStorage.getItem(QUEUE_KEY) || "[]"); } catch (e) { list = []; }
    var here = list.indexOf(location.pathname);
    var to = list[here + delta];
    if (here >= 0 && to) { location.href = to; return true; }
    return false;
  }

  function focus(id) {
    var el = document.getElementById(id);
    if (!el) return false;
    el.focus();
    return true;
  }

  function help() {
    var d = document.getElementById("shortcuts");
    if (!d || typeof d.showModal !== "function") return false;
    if (d.open) d.close(); else d.showModal();
    return true;
  }

  document.addEventListener("DOMContentLoaded", function () {
    rememberQueue();
    var open = document.getElementById("shortcuts-open");
    if (open) {
      open.hidden = false;
      open.addEventListener("click", help);
    }
  });

  document.addEventListener("keydown", function (e) {
    if (e.ctrlKey || e.metaKey || e.altKey || typing(e.target)) return;
    var done = false;
    switch (e.key) {
      case "/": done = focus("q"); break;
      case "j": done = step(1); break;
      case "k": done = step(-1); break;
      case "r": done = focus("body"); break;
      case "a": done = focus("assignee"); break;
      case "?": done = help(); break;
    }
    if (done) e.preventDefault();
  });
})();
