// Keyboard shortcuts for the review and annotation screens. Every shortcut
// clicks or opens an element that is also reachable with Tab: the keys add
// speed, never a capability. Elements declare their key with data-key.
(function () {
  "use strict";

  // Keys go to text boxes; a focused radio or checkbox still lets shortcuts through.
  function typing(target) {
    return target.closest(
      'textarea, select, [contenteditable], input:not([type="radio"]):not([type="checkbox"])'
    ) !== null;
  }

  function chosenCandidate() {
    var checked = document.querySelector('input[name="candidate_id"]:checked');
    return checked ? document.querySelector('[data-candidate-text="' + checked.value + '"]') : null;
  }

  // The edit box starts from the chosen candidate until the reviewer types in it.
  function prefillEdit() {
    var box = document.getElementById("edit-text");
    var source = chosenCandidate();
    if (box && source && !box.dataset.dirty) {
      box.value = source.textContent;
      box.dataset.from = source.dataset.candidateText;
      box.dispatchEvent(new Event("input", { bubbles: true }));
    }
  }

  function editInProgress() {
    var box = document.getElementById("edit-text");
    return box && box.dataset.dirty ? box : null;
  }

  // "a" approves only a candidate the reviewer chose on this page (a stray key
  // on arrival must not release candidate 1), and never while an edit is open.
  var chosenHere = false;

  function openPanel(panel) {
    document.querySelectorAll("details.panel[open]").forEach(function (other) {
      if (other !== panel) { other.open = false; }
    });
    panel.open = true;
    if (panel.id === "panel-edit") { prefillEdit(); }
    var field = panel.querySelector("textarea, input, select");
    if (field) { field.focus(); }
  }

  // "l" steps the risk verdict through its levels, routine -> elevated -> crisis -> routine.
  function cycle(name) {
    var radios = Array.prototype.slice.call(document.querySelectorAll('input[name="' + name + '"]'));
    if (!radios.length) { return; }
    var at = radios.findIndex(function (radio) { return radio.checked; });
    var next = radios[(at + 1) % radios.length];
    next.checked = true;
    next.focus();
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-cycles]");
    if (button) { event.preventDefault(); cycle(button.dataset.cycles); }
  });

  function activate(element) {
    if (element.dataset.opens) {
      var dialog = document.getElementById(element.dataset.opens);
      if (dialog && !dialog.open) { dialog.showModal(); }
    } else if (element.tagName === "DETAILS") {
      openPanel(element);
    } else {
      element.click();
    }
  }

  document.addEventListener("input", function (event) {
    if (event.target.id === "edit-text" && event.isTrusted) { event.target.dataset.dirty = "1"; }
  });

  // "toggle" does not bubble: listen while it travels down instead.
  document.addEventListener("toggle", function (event) {
    if (event.target.id === "panel-edit" && event.target.open) { prefillEdit(); }
  }, true);

  document.addEventListener("change", function (event) {
    if (event.target.name !== "candidate_id") { return; }
    var box = editInProgress();
    if (box && box.dataset.from !== event.target.value) {
      // The edit belongs to the candidate it started from: switching would
      // record it against another one.
      if (!window.confirm(box.dataset.discardPrompt)) {
        var origin = document.querySelector('input[name="candidate_id"][value="' + box.dataset.from + '"]');
        if (origin) { origin.checked = true; }
        return;
      }
      delete box.dataset.dirty;
    }
    chosenHere = true;
    prefillEdit();
  });

  document.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey) && typing(event.target)) {
      var panel = event.target.closest("details.panel");
      var button = panel && panel.querySelector('button[type="submit"]');
      if (button) { event.preventDefault(); button.click(); }
      return;
    }
    if (event.key === "Escape" && typing(event.target)) { event.target.blur(); return; }
    if (typing(event.target) || event.ctrlKey || event.metaKey || event.altKey) { return; }
    if (document.querySelector("dialog[open]")) { return; }
    if (/^[1-9]$/.test(event.key)) {
      var radio = document.querySelector('input[data-candidate="' + event.key + '"]');
      if (radio) {
        radio.checked = true;
        radio.dispatchEvent(new Event("change", { bubbles: true }));
        radio.focus();
        event.preventDefault();
      }
      return;
    }
    var target = document.querySelector('[data-key="' + CSS.escape(event.key) + '"]');
    if (!target) { return; }
    event.preventDefault();
    if (event.key === "a" && editInProgress()) {
      openPanel(document.getElementById("panel-edit"));
      return;
    }
    if (event.key === "a" && !chosenHere) {
      var first = document.querySelector('input[name="candidate_id"]');
      if (first) { first.focus(); }
      return;
    }
    activate(target);
  });
})();
