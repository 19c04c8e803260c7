// Starts Swagger UI on /docs. A file rather than an inline script, so that the page's
// Content-Security-Policy can say script-src 'self'. The page names the OpenAPI document.
window.addEventListener("load", function () {
  var root = document.getElementById("swagger-ui");
  window.ui = SwaggerUIBundle({
    url: root.dataset.openapiUrl,
    domNode: root,
    deepLinking: true,
    presets: [SwaggerUIBundle.presets.apis],
    layout: "BaseLayout",
    // No badge from the public validator: the page loads nothing from another origin.
    validatorUrl: null,
  });
});
