/* The demonstration site's own script: marks the current page in the navigation. */
document.querySelectorAll("nav a").forEach(function (link) {
  if (link.getAttribute("href") === location.pathname) link.setAttribute("aria-current", "page");
});
document.documentElement.setAttribute("data-site-script", "ran");
