/* Council Assistant widget: a launcher and a chat dialog on any page of the council's own website.
 *
 * Served as /widget.js inside one function scope together with the vendored socket.io client (`io`), so the
 * host page's globals, styles and scripts are untouched: everything lives in an open shadow root.
 * It talks to Rasa's socket.io channel (web_chat/rasa_channel.py), which refuses pages of other sites.
 * Bot text is untrusted: it reaches the page only through textContent and createElement, never innerHTML.
 */
/* global io, councilRichText */
(function () {
  "use strict";

  var script = document.currentScript;
  if (!script || window.__councilAssistantWidget) return; // one widget per page, even if pasted twice
  window.__councilAssistantWidget = true;

  var council = (script.getAttribute("data-council") || "").trim();
  var assistantOrigin = new URL(script.src, location.href).origin;
  var IDLE_MINUTES = 30; // a conversation left this long is over: a shared computer does not show it to the next person
  var TURN_TIMEOUT_MS = 30000;
  var WELCOME =
    "Hello, I'm the council's online assistant. What would you like to ask? " +
    "For example: \u201cwhen is my bin day?\u201d or \u201cthere's a pothole on my road\u201d.";

  var config = null;
  var storageKey = "councilAssistant.widget." + council;
  var memoryState = null;
  var state = null; // {sessionId, history: [...], open, lastActive}
  var socket = null;
  var joined = null; // the conversation whose room this tab's socket is in
  var pending = null; // {node, replies: []} while this tab waits for a turn
  var ui = {};

  // ---- state shared by the site's pages and tabs (localStorage, else memory) ----

  function newSessionId() {
    var bytes = new Uint8Array(16);
    window.crypto.getRandomValues(bytes);
    return "widget-" + Array.prototype.map.call(bytes, function (b) {
      return ("0" + b.toString(16)).slice(-2);
    }).join("");
  }

  function freshState() {
    return { sessionId: newSessionId(), history: [], open: false, lastActive: Date.now() };
  }

  function loadState() {
    var saved = null;
    try {
      saved = JSON.parse(window.localStorage.getItem(storageKey) || "null");
    } catch (e) {
      saved = memoryState;
    }
    var valid = saved && typeof saved.sessionId === "string" && /^[A-Za-z0-9_-]{1,64}$/.test(saved.sessionId) &&
      Array.isArray(saved.history) && Date.now() - (saved.lastActive || 0) < IDLE_MINUTES * 60000;
    return valid ? saved : freshState();
  }

  function saveState() {
    state.lastActive = Date.now();
    memoryState = state;
    try {
      window.localStorage.setItem(storageKey, JSON.stringify(state));
    } catch (e) {
      /* private mode: the conversation lasts as long as the page */
    }
  }

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  var safeUrl = councilRichText.safeUrl;
  var renderRichText = councilRichText.render;

  // ---- transcript ----

  function addMessage(entry, index) {
    var who = entry.who === "resident" ? "resident" : entry.who === "note" ? "note" : "bot";
    var item = el("li", "message message--" + who);
    if (who !== "note") {
      item.appendChild(el("span", who === "bot" ? "message__speaker" : "visually-hidden",
        who === "resident" ? "You said: " : "Council assistant"));
      if (who === "bot") item.firstChild.appendChild(el("span", "visually-hidden", " said:"));
    }
    if (typeof entry.text === "string" && entry.text !== "") {
      var body = el("p", "message__text");
      if (who === "bot") renderRichText(body, entry.text);
      else body.textContent = entry.text;
      item.appendChild(body);
    }
    if (typeof entry.image === "string") {
      var src = safeUrl(entry.image);
      if (src && /^https?:/.test(src)) {
        var img = el("img", "message__image");
        img.src = src;
        img.alt = "Picture sent by the assistant";
        item.appendChild(img);
      }
    }
    if (Array.isArray(entry.buttons) && entry.buttons.length) item.appendChild(renderChoices(entry, index));
    ui.transcript.appendChild(item);
    return item;
  }

  function renderChoices(entry, index) {
    var group = el("div", "choices");
    group.setAttribute("role", "group");
    group.setAttribute("aria-label", "Choose an answer");
    entry.buttons.forEach(function (choice, choiceIndex) {
      if (!choice || typeof choice.payload !== "string") return;
      var title = typeof choice.title === "string" && choice.title ? choice.title : choice.payload;
      var button = el("button", "button button--choice", title);
      button.type = "button";
      if (entry.used) {
        // Still readable and focusable, so a resident can check what they chose; no longer sends.
        button.setAttribute("aria-disabled", "true");
        if (entry.chosen === choiceIndex) {
          button.classList.add("button--chosen");
          button.setAttribute("aria-pressed", "true");
          button.appendChild(el("span", "visually-hidden", " (your choice)"));
        }
      }
      button.addEventListener("click", function () {
        if (entry.used || button.getAttribute("aria-disabled") === "true") return;
        send(choice.payload, title, { index: index, choice: choiceIndex });
      });
      group.appendChild(button);
    });
    return group;
  }

  function renderHistory() {
    ui.transcript.textContent = "";
    addMessage({ who: "bot", text: WELCOME });
    state.history.forEach(function (entry, index) {
      if (entry && typeof entry === "object") addMessage(entry, index);
    });
    ui.transcript.scrollTop = ui.transcript.scrollHeight;
  }

  function announce(text) {
    // The one live region: each new answer is read once, never the whole transcript.
    ui.live.textContent = "";
    window.setTimeout(function () { ui.live.textContent = text; }, 50);
  }

  function showError(text) {
    ui.error.textContent = text;
    ui.error.hidden = false;
  }

  function clearError() {
    ui.error.textContent = "";
    ui.error.hidden = true;
  }

  // ---- socket.io ----

  function pageMetadata() {
    // The page, without its query or fragment: enough to understand "how much is it?", no personal data.
    return { page: { url: location.origin + location.pathname, title: document.title.slice(0, 200) } };
  }

  function replyToEntry(reply) {
    if (!reply || typeof reply !== "object" || reply.error) return null;
    var entry = { who: "bot" };
    if (typeof reply.text === "string") entry.text = reply.text;
    var choices = Array.isArray(reply.quick_replies) ? reply.quick_replies : reply.buttons;
    if (Array.isArray(choices) && choices.length) {
      entry.buttons = choices.filter(function (c) { return c && typeof c.payload === "string"; })
        .map(function (c) { return { title: String(c.title || c.payload), payload: c.payload }; });
    }
    var attachment = reply.attachment;
    if (attachment && attachment.type === "image" && attachment.payload && typeof attachment.payload.src === "string") {
      entry.image = attachment.payload.src;
    }
    return entry.text || entry.image || entry.buttons ? entry : null;
  }

  function join() {
    // Rasa sends a conversation's answers to its room: join the room of the conversation shown now.
    joined = state.sessionId;
    socket.emit("session_request", { session_id: joined });
  }

  function connect() {
    if (socket) return;
    socket = io(config.socketUrl, { path: config.socketPath, transports: ["websocket", "polling"] });
    socket.on("connect", join);
    socket.on("connect_error", function () {
      if (pending) pending.fail(config.unavailableMessage ||
        "We could not reach the council assistant. Check your internet connection and try again.");
    });
    socket.on("bot_uttered", function (reply) {
      // Every tab of the conversation hears each answer; the tab that asked writes it down for all.
      if (pending) pending.replies.push(reply);
    });
  }

  function send(text, shown, choice) {
    text = (text || "").trim();
    if (pending || !text) return;
    if (text.length > config.maxMessageLength) {
      showError("Please keep your message under " + config.maxMessageLength + " characters.");
      return;
    }
    connect();
    if (socket.connected && joined !== state.sessionId) join(); // another tab started again
    var typed = choice ? null : ui.input.value;
    var sessionId = state.sessionId;
    clearError();
    var node = addMessage({ who: "resident", text: shown });
    node.classList.add("message--pending");
    ui.transcript.scrollTop = ui.transcript.scrollHeight;
    ui.status.textContent = "Sending\u2026";
    pending = { node: node, replies: [] };
    var mine = pending;
    mine.fail = function (what) {
      // Nothing is lost: the typed text goes back into the message box, a choice can be made again.
      if (pending !== mine) return;
      pending = null;
      ui.status.textContent = "";
      node.parentNode.removeChild(node);
      if (typed !== null && ui.input.value === "") ui.input.value = typed;
      showError(what + (choice ? " Please choose your answer again." :
        " Your message has not been sent: it is still in the message box."));
    };
    socket.timeout(TURN_TIMEOUT_MS).emit(
      "user_uttered",
      { message: text, session_id: sessionId, metadata: pageMetadata() },
      function (err, ack) {
        if (pending !== mine || sessionId !== state.sessionId) return; // started again meanwhile
        if (err || !ack || ack.error) {
          mine.fail(err ? config.unavailableMessage || "The council assistant did not answer in time." :
            ack && ack.message ? ack.message :
            "The message could not be sent.");
          return;
        }
        pending = null;
        ui.status.textContent = "";
        state = loadState().sessionId === sessionId ? loadState() : state; // another tab may have added turns
        if (choice && state.history[choice.index]) {
          state.history[choice.index].used = true;
          state.history[choice.index].chosen = choice.choice;
        }
        state.history.push({ who: "resident", text: shown });
        var spoken = [];
        mine.replies.forEach(function (reply) {
          var entry = replyToEntry(reply);
          if (entry) {
            state.history.push(entry);
            if (entry.text) spoken.push(entry.text);
          }
        });
        if (!spoken.length && state.history[state.history.length - 1].who === "resident") {
          state.history.push({ who: "note", text: "The assistant did not reply. You could try asking in a different way." });
        }
        saveState();
        if (typed !== null && ui.input.value === typed) ui.input.value = "";
        var firstNew = ui.transcript.children.length - 1; // the pending message's place
        renderHistory();
        var landing = ui.transcript.children[firstNew];
        if (landing) ui.transcript.scrollTop = Math.max(0, landing.offsetTop - 8);
        announce("Council assistant said: " + (spoken.join(" ") || "nothing"));
        ui.input.focus();
      }
    );
  }

  function startAgain() {
    pending = null;
    state = freshState();
    state.open = true;
    saveState();
    if (socket) {
      socket.disconnect();
      socket = null;
    }
    ui.input.value = "";
    clearError();
    renderHistory();
    announce("A new conversation has started.");
    ui.input.focus();
  }

  // ---- opening and closing ----

  function setOpen(open, moveFocus) {
    state.open = open;
    saveState();
    ui.dialog.hidden = !open;
    ui.launcher.setAttribute("aria-expanded", String(open));
    ui.launcher.hidden = open;
    if (open) {
      connect();
      ui.transcript.scrollTop = ui.transcript.scrollHeight;
      if (moveFocus) ui.input.focus();
    } else if (moveFocus) {
      ui.launcher.focus();
    }
  }

  // ---- building the widget ----

  function build(shadow) {
    var link = el("link");
    link.rel = "stylesheet";
    link.href = assistantOrigin + "/static/widget/widget.css";
    shadow.appendChild(link);

    var root = el("div", "widget");
    ui.launcher = el("button", "launcher", "Ask the council");
    ui.launcher.type = "button";
    ui.launcher.setAttribute("aria-haspopup", "dialog");
    ui.launcher.setAttribute("aria-expanded", "false");
    ui.launcher.setAttribute("aria-controls", "ca-dialog");

    ui.dialog = el("div", "dialog");
    ui.dialog.id = "ca-dialog";
    ui.dialog.setAttribute("role", "dialog");
    ui.dialog.setAttribute("aria-labelledby", "ca-title");
    ui.dialog.hidden = true;

    var head = el("div", "dialog__head");
    var title = el("h2", "dialog__title", "Ask " + config.councilName);
    title.id = "ca-title";
    var restart = el("button", "button button--secondary", "Start again");
    restart.type = "button";
    var close = el("button", "button button--close", "Close");
    close.type = "button";
    close.setAttribute("aria-label", "Close the chat");
    head.appendChild(title);
    head.appendChild(restart);
    head.appendChild(close);

    var intro = el("p", "dialog__intro");
    renderRichText(intro, "If someone is in danger now, call 999.");
    ui.transcript = el("ol", "transcript");
    ui.transcript.setAttribute("aria-label", "Conversation");
    ui.transcript.tabIndex = 0;
    ui.live = el("div", "visually-hidden");
    ui.live.setAttribute("role", "status");
    ui.status = el("p", "dialog__status");
    ui.error = el("p", "dialog__error");
    ui.error.setAttribute("role", "alert");
    ui.error.hidden = true;

    var form = el("form", "composer");
    form.noValidate = true;
    var label = el("label", "composer__label", "Your message");
    label.htmlFor = "ca-message";
    ui.input = el("input", "composer__input");
    ui.input.id = "ca-message";
    ui.input.type = "text";
    ui.input.autocomplete = "off";
    ui.input.maxLength = config.maxMessageLength;
    ui.input.setAttribute("aria-describedby", "ca-hint");
    var sendButton = el("button", "button", "Send");
    sendButton.type = "submit";
    var row = el("div", "composer__row");
    row.appendChild(ui.input);
    row.appendChild(sendButton);
    var hint = el("p", "composer__hint", "Please do not share bank or card details here.");
    hint.id = "ca-hint";
    form.appendChild(label);
    form.appendChild(row);
    form.appendChild(hint);

    [head, intro, ui.transcript, ui.live, ui.status, ui.error, form].forEach(function (part) {
      ui.dialog.appendChild(part);
    });
    root.appendChild(ui.launcher);
    root.appendChild(ui.dialog);
    shadow.appendChild(root);

    ui.launcher.addEventListener("click", function () { setOpen(true, true); });
    close.addEventListener("click", function () { setOpen(false, true); });
    restart.addEventListener("click", startAgain);
    ui.dialog.addEventListener("keydown", function (event) {
      if (event.key === "Escape") {
        event.preventDefault();
        setOpen(false, true);
      }
    });
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      send(ui.input.value, ui.input.value.trim());
    });
    window.addEventListener("storage", function (event) {
      // Another tab of the same site moved the conversation on: show it here too.
      if (event.key !== storageKey || pending) return;
      var wasOpen = state.open;
      state = loadState();
      state.open = wasOpen;
      renderHistory();
    });
    return link;
  }

  function start(loaded) {
    config = loaded;
    if (config.allowedOrigins.indexOf(location.origin) === -1) {
      console.warn("Council Assistant: this site (" + location.origin + ") may not embed the widget.");
      return;
    }
    state = loadState();
    var host = document.createElement("div");
    host.setAttribute("data-council-assistant", council);
    host.hidden = true; // until its stylesheet has loaded, so the page never sees it unstyled
    var shadow = host.attachShadow({ mode: "open" });
    var link = build(shadow);
    link.addEventListener("load", function () { host.hidden = false; });
    link.addEventListener("error", function () { console.warn("Council Assistant: the widget's styles did not load."); });
    document.body.appendChild(host);
    renderHistory();
    if (state.open) setOpen(true, false);
  }

  function load() {
    if (!/^[a-z0-9_-]{1,64}$/.test(council)) {
      console.warn("Council Assistant: add data-council=\"<council>\" to the widget's script tag.");
      return;
    }
    fetch(assistantOrigin + "/widget/config.json?council=" + encodeURIComponent(council), { credentials: "omit" })
      .then(function (r) { return r.ok ? r.json() : Promise.reject(new Error("HTTP " + r.status)); })
      .then(start)
      .catch(function (error) {
        // Refused (another site) or unreachable: the page carries on without the widget.
        console.warn("Council Assistant: the widget is not available here (" + error.message + ").");
      });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", load);
  else load();
})();
