/*
 * Where the NLP2Filters backend lives.
 *
 * A classic script, run before the pages' modules, so it can be swapped without touching them.
 *
 * Local runs: the page is served by `python -m http.server 8080 --directory frontend`
 * and the backend listens on port 5000 of the same host (CORS enabled there). The pages
 * are ES modules, which browsers do not load from file://: serve the folder over HTTP.
 *
 * Docker compose: the frontend image replaces this file with
 *   window.NLP2F_API_BASE = "";
 * so every call goes to the same origin, and nginx proxies /api/ and /health.
 */
window.NLP2F_API_BASE = location.protocol + "//" + location.hostname + ":5000";
