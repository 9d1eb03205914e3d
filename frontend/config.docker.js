/* Docker image version of config.js: nginx serves the page and proxies /api/ and /health. */
window.NLP2F_API_BASE = "";
