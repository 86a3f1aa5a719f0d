/* Council Assistant web chat: sends a resident's messages to /api/message and shows the assistant's replies.
 *
 * Bot text is untrusted: static/rich_text.js puts it on the page as text, links and <strong>, never as HTML.
 */
/* global councilRichText */
(function () {
  "use strict";

  var STORAGE_SENDER = "councilAssistant.sender";
  var STORAGE_HISTORY = "councilAssistant.history";
  var CLIENT_TIMEOUT_MS = 15000;
  var WELCOME =
    "Hello, I'm the council's online assistant. What would you like to ask? " +
    "For example: \u201cwhen is my bin day?\u201d or \u201cthere's a pothole on my road\u201d.";

  var config = { messageUrl: "/api/message", maxMessageLength: 2000, councilName: null };
  var memoryStore = {};
  var busy = false;
  var generation = 0; // bumped by "Start again" so late answers from an old conversation are dropped
  var history = [];

  var transcript, form, input, statusEl, errorEl, restartButton;

  // ---- storage (sessionStorage may be unavailable, for example in some private modes) ----

  function storeGet(key) {
    try {
      return window.sessionStorage.getItem(key);
    } catch (e) {
      return Object.prototype.hasOwnProperty.call(memoryStore, key) ? memoryStore[key] : null;
    }
  }

  function storeSet(key, value) {
    try {
      window.sessionStorage.setItem(key, value);
    } catch (e) {
      memoryStore[key] = value;
    }
  }

  function storeRemove(key) {
    try {
      window.sessionStorage.removeItem(key);
    } catch (e) {
      /* ignore */
    }
    delete memoryStore[key];
  }

  function newSenderId() {
    var bytes = new Uint8Array(16);
    window.crypto.getRandomValues(bytes);
    return "web-" + Array.prototype.map.call(bytes, function (b) {
      return ("0" + b.toString(16)).slice(-2);
    }).join("");
  }

  function senderId() {
    var id = storeGet(STORAGE_SENDER);
    if (!id || !/^[A-Za-z0-9_-]{1,64}$/.test(id)) {
      id = newSenderId();
      storeSet(STORAGE_SENDER, id);
    }
    return id;
  }

  function saveHistory() {
    storeSet(STORAGE_HISTORY, JSON.stringify(history));
  }

  function loadHistory() {
    try {
      var saved = JSON.parse(storeGet(STORAGE_HISTORY) || "[]");
      return Array.isArray(saved) ? saved : [];
    } catch (e) {
      return [];
    }
  }

  // ---- safe rendering of bot text ----

  var safeUrl = councilRichText.safeUrl; // static/rich_text.js
  var renderRichText = councilRichText.render;

  // ---- transcript ----

  function scrollToEnd() {
    transcript.scrollTop = transcript.scrollHeight;
  }

  function addMessage(entry, entryIndex) {
    var who = entry.who === "resident" ? "resident" : entry.who === "note" ? "note" : "bot";
    var item = document.createElement("div");
    item.className = "message message--" + who;

    if (who !== "note") {
      var speaker = document.createElement("span");
      speaker.className = who === "bot" ? "message__speaker" : "visually-hidden";
      speaker.textContent = who === "resident" ? "You said: " : "Council assistant";
      if (who === "bot") {
        var said = document.createElement("span");
        said.className = "visually-hidden";
        said.textContent = " said:";
        speaker.appendChild(said);
      }
      item.appendChild(speaker);
    }

    if (typeof entry.text === "string" && entry.text !== "") {
      var body = document.createElement("p");
      body.className = "message__text";
      if (who === "bot") renderRichText(body, entry.text);
      else body.textContent = entry.text;
      item.appendChild(body);
    }

    if (typeof entry.image === "string") {
      var src = safeUrl(entry.image);
      if (src && /^https?:/.test(src)) {
        var img = document.createElement("img");
        img.src = src;
        img.alt = "Picture sent by the assistant";
        img.className = "message__image";
        item.appendChild(img);
      }
    }

    if (Array.isArray(entry.buttons) && entry.buttons.length) {
      item.appendChild(renderButtons(entry, entryIndex));
    }
    transcript.appendChild(item);
    return item;
  }

  function renderButtons(entry, entryIndex) {
    var group = document.createElement("div");
    group.className = "choices";
    group.setAttribute("role", "group");
    group.setAttribute("aria-label", "Choose an answer");
    entry.buttons.forEach(function (choice) {
      if (!choice || typeof choice.payload !== "string") return;
      var title = typeof choice.title === "string" && choice.title ? choice.title : choice.payload;
      var button = document.createElement("button");
      button.type = "button";
      button.className = "button button--choice";
      button.textContent = title;
      button.disabled = Boolean(entry.used);
      button.addEventListener("click", function () {
        send(choice.payload, title, { buttons: group, entryIndex: entryIndex });
      });
      group.appendChild(button);
    });
    return group;
  }

  function disableChoices(group, entryIndex) {
    Array.prototype.forEach.call(group.querySelectorAll("button"), function (b) {
      b.disabled = true;
    });
    if (history[entryIndex]) history[entryIndex].used = true;
  }

  var NOT_HELPFUL = "/not_helpful";

  /**
   * A "This didn't help" button under the newest answer only. It tells the assistant (intent not_helpful),
   * which apologises and offers a person; staff then see the question before it in the console's inbox.
   */
  function clearFeedback() {
    Array.prototype.forEach.call(transcript.querySelectorAll(".feedback"), function (old) {
      old.parentNode.removeChild(old);
    });
  }

  function offerFeedback() {
    clearFeedback();
    var box = document.createElement("div");
    box.className = "feedback";
    var button = document.createElement("button");
    button.type = "button";
    button.className = "button button--link";
    button.textContent = "This didn\u2019t help";
    button.addEventListener("click", function () {
      send(NOT_HELPFUL, "That didn\u2019t help", { buttons: box, entryIndex: -1 });
    });
    box.appendChild(button);
    transcript.appendChild(box);
  }

  function remember(entry) {
    history.push(entry);
    saveHistory();
    return history.length - 1;
  }

  function showWelcome() {
    addMessage({ who: "bot", text: WELCOME });
  }

  // ---- status and errors ----

  function setStatus(text) {
    statusEl.textContent = text;
  }

  function showError(text) {
    errorEl.textContent = text;
    errorEl.hidden = false;
  }

  function clearError() {
    errorEl.textContent = "";
    errorEl.hidden = true;
  }

  function describeFailure(failure) {
    if (failure.kind === "timeout") {
      return "The council assistant took too long to answer.";
    }
    if (failure.kind === "network") {
      return "We could not reach the council assistant. Check your internet connection and try again.";
    }
    var status = failure.status;
    var serverMessage = failure.body && typeof failure.body.message === "string" ? failure.body.message : "";
    if ((status === 502 || status === 504) && !serverMessage) {
      return "The council assistant is not available at the moment (error " + status + "). Please try again in a few minutes.";
    }
    // The server's own words: for 502 and 504 the council's apology with its phone number.
    if (status === 400 || status === 413 || status === 429 || status === 502 || status === 504) {
      return (serverMessage || "The message could not be sent.") + " (error " + status + ")";
    }
    return "Something went wrong (error " + status + "). Please try again.";
  }

  // ---- sending ----

  function postMessage(text) {
    var controller = typeof AbortController === "function" ? new AbortController() : null;
    var timer = controller ? window.setTimeout(function () { controller.abort(); }, CLIENT_TIMEOUT_MS) : null;
    return fetch(config.messageUrl, {
      method: "POST",
      headers: { "Content-Type": "application/json", Accept: "application/json" },
      body: JSON.stringify({ sender: senderId(), message: text }),
      signal: controller ? controller.signal : undefined,
      credentials: "same-origin",
    })
      .catch(function (err) {
        throw { kind: err && err.name === "AbortError" ? "timeout" : "network" };
      })
      .then(function (response) {
        return response.json().catch(function () { return null; }).then(function (body) {
          if (!response.ok) throw { kind: "http", status: response.status, body: body };
          if (!Array.isArray(body)) throw { kind: "http", status: 502, body: null };
          return body;
        });
      })
      .finally(function () {
        if (timer) window.clearTimeout(timer);
      });
  }

  /**
   * Send `text` to the assistant, showing `shown` as the resident's message.
   * `choice` is set when a reply button was pressed. On failure nothing the resident typed is lost.
   */
  function send(text, shown, choice) {
    text = (text || "").trim();
    if (busy || !text) return;
    if (text.length > config.maxMessageLength) {
      showError("Please keep your message under " + config.maxMessageLength + " characters.");
      return;
    }
    var typed = choice ? null : input.value;
    var myGeneration = generation;
    busy = true;
    clearError();
    var pending = addMessage({ who: "resident", text: shown });
    pending.classList.add("message--pending");
    scrollToEnd();
    setStatus("Sending\u2026 the assistant is replying.");

    postMessage(text)
      .then(function (replies) {
        if (myGeneration !== generation) return;
        pending.classList.remove("message--pending");
        remember({ who: "resident", text: shown });
        if (choice) disableChoices(choice.buttons, choice.entryIndex);
        if (typed !== null && input.value === typed) input.value = "";
        var shownAny = false;
        replies.forEach(function (reply) {
          if (!reply || typeof reply !== "object") return;
          var entry = { who: "bot" };
          if (typeof reply.text === "string") entry.text = reply.text;
          if (typeof reply.image === "string") entry.image = reply.image;
          if (Array.isArray(reply.buttons)) entry.buttons = reply.buttons;
          if (!entry.text && !entry.image && !entry.buttons) return;
          var index = remember(entry);
          addMessage(entry, index);
          shownAny = true;
        });
        if (shownAny && text !== NOT_HELPFUL) offerFeedback();
        else clearFeedback();
        if (!shownAny) {
          var note = { who: "note", text: "The assistant did not reply. You could try asking in a different way." };
          remember(note);
          addMessage(note);
        }
        // Show the start of the answer, not just its end.
        transcript.scrollTop = Math.max(0, pending.offsetTop - 8);
        setStatus("The assistant has replied.");
      })
      .catch(function (failure) {
        if (myGeneration !== generation) return;
        pending.parentNode.removeChild(pending);
        var what = describeFailure(failure && failure.kind ? failure : { kind: "network" });
        var next = choice
          ? " Please choose your answer again."
          : " Your message has not been sent: it is still in the message box.";
        if (typed !== null && input.value === "") input.value = typed;
        showError(what + next);
        setStatus("");
      })
      .finally(function () {
        if (myGeneration !== generation) return;
        busy = false;
        // A used choice is disabled, so focus would be lost: bring it back to the message box.
        if (!choice || choice.buttons.querySelector("button:disabled")) input.focus();
      });
  }

  function startAgain() {
    generation += 1;
    busy = false;
    storeSet(STORAGE_SENDER, newSenderId());
    storeRemove(STORAGE_HISTORY);
    history = [];
    transcript.textContent = "";
    clearError();
    input.value = "";
    showWelcome();
    setStatus("A new conversation has started.");
    input.focus();
  }

  function applyConfig(loaded) {
    if (!loaded || typeof loaded !== "object") return;
    if (typeof loaded.messageUrl === "string" && loaded.messageUrl) config.messageUrl = loaded.messageUrl;
    if (typeof loaded.maxMessageLength === "number" && loaded.maxMessageLength > 0) {
      config.maxMessageLength = loaded.maxMessageLength;
      input.maxLength = loaded.maxMessageLength;
    }
    if (typeof loaded.councilName === "string" && loaded.councilName) {
      Array.prototype.forEach.call(document.querySelectorAll("[data-council-name]"), function (el) {
        el.textContent = loaded.councilName;
      });
      document.title = "Ask the council \u2013 " + loaded.councilName;
    }
  }

  function init() {
    transcript = document.getElementById("transcript");
    form = document.getElementById("chat-form");
    input = document.getElementById("message");
    statusEl = document.getElementById("status");
    errorEl = document.getElementById("error");
    restartButton = document.getElementById("restart");

    senderId();
    history = loadHistory();
    showWelcome();
    history.forEach(function (entry, index) {
      if (entry && typeof entry === "object") addMessage(entry, index);
    });
    scrollToEnd();

    form.addEventListener("submit", function (event) {
      event.preventDefault();
      send(input.value, input.value.trim());
    });
    restartButton.addEventListener("click", startAgain);

    fetch("config.json", { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(applyConfig)
      .catch(function () { /* defaults are fine */ });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
