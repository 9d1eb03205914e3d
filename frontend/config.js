/*
 * Where the NLP2Filters backend lives.
 *
 * Local runs: the page is served by `python -m http.server 8080 --directory frontend`
 * and the backend listens on port 5000 of the same host (CORS enabled there).
 *
 * Docker compose: the frontend image replaces this file with
 *   window.NLP2F_API_BASE = "";
 * so every call goes to the same origin, and nginx proxies /api/ and /health.
 */
window.NLP2F_API_BASE =
  location.protocol === "http:" || location.protocol === "https:"
    ? location.protocol + "//" + location.hostname + ":5000"
    : "http://localhost:5000"; // opened as file:// — assume a local backend
