/* How the assistant's text becomes page content, for the chat page (chat.js) and the widget (widget.js).
 *
 * Bot text is untrusted: it is only ever put on the page as text nodes, <a> and <strong> made with
 * createElement, never as HTML. [text](url) and bare URLs become links only for http, https, mailto and tel;
 * UK phone numbers (01632 960000, 0300 123 4567) and 999 become tel: links.
 * In the widget this file sits inside widget.js's own scope, so it adds nothing to the host page's globals.
 */
var councilRichText = (function () {
  "use strict";

  var SAFE_PROTOCOLS = ["http:", "https:", "mailto:", "tel:"];

  function safeUrl(raw) {
    var url;
    try {
      url = new URL(raw);
    } catch (e) {
      return null;
    }
    return SAFE_PROTOCOLS.indexOf(url.protocol) === -1 ? null : url.href;
  }

  function makeLink(href, label) {
    var a = document.createElement("a");
    a.textContent = label;
    a.href = href;
    if (/^https?:/.test(href)) {
      a.target = "_blank";
      a.rel = "noopener noreferrer";
      var hint = document.createElement("span");
      hint.className = "visually-hidden";
      hint.textContent = " (opens in a new tab)";
      a.appendChild(hint);
    }
    return a;
  }

  // Markdown link, **bold**, a bare http(s) URL, or a UK phone number (01632 960000, 0300 123 4567, 999).
  var TOKEN =
    /\[([^\]\n]+)\]\(([^()\s]+)\)|\*\*([^*\n]+)\*\*|(https?:\/\/[^\s<>"]+)|(\b0\d{2,4}[ ]?\d{3,4}[ ]?\d{3,4}\b|\b999\b)/g;

  function renderRichText(parent, text) {
    var last = 0;
    var match;
    TOKEN.lastIndex = 0;
    while ((match = TOKEN.exec(text)) !== null) {
      var whole = match[0];
      var trailing = "";
      if (match[4]) {
        var cut = whole.match(/[.,;:!?'\u2019)\]]+$/);
        if (cut) {
          var keepParen = whole.indexOf("(") !== -1 && cut[0].charAt(0) === ")";
          trailing = keepParen ? cut[0].slice(1) : cut[0];
          whole = whole.slice(0, whole.length - trailing.length);
        }
      }
      parent.appendChild(document.createTextNode(text.slice(last, match.index)));
      if (match[1] !== undefined) {
        var href = safeUrl(match[2]);
        parent.appendChild(href ? makeLink(href, match[1]) : document.createTextNode(match[1]));
      } else if (match[3] !== undefined) {
        var strong = document.createElement("strong");
        strong.textContent = match[3];
        parent.appendChild(strong);
      } else if (match[4] !== undefined) {
        var bare = safeUrl(whole);
        parent.appendChild(bare ? makeLink(bare, whole) : document.createTextNode(whole));
      } else {
        var digits = whole.replace(/ /g, "");
        var isPhone = digits === "999" || digits.length === 10 || digits.length === 11;
        parent.appendChild(isPhone ? makeLink("tel:" + digits, whole) : document.createTextNode(whole));
      }
      if (trailing) parent.appendChild(document.createTextNode(trailing));
      last = match.index + match[0].length;
    }
    parent.appendChild(document.createTextNode(text.slice(last)));
  }

  return { render: renderRichText, safeUrl: safeUrl };
})();
