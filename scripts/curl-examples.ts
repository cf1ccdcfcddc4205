/** The curl lines `npm start` prints: one per feature the examples/ routes show. */
export function curlExamples(base: string, statusToken: string): string {
  const lines: Array<[string, string]> = [
    ["canary split 90/10 (run it a few times; look at .pod)", `curl -s -H 'Host: app.example.com' ${base}/`],
    ["header match pins to v2", `curl -s -H 'Host: app.example.com' -H 'X-Canary: always' ${base}/`],
    ["response header set by the route", `curl -si -H 'Host: app.example.com' ${base}/ | grep -i x-served-by`],
    ["mirror (the shadow origin gets a copy)", `curl -s -H 'Host: app.example.com' ${base}/mirror/a`],
    ["retry: two 503s, then 200", `curl -s -o /dev/null -w '%{http_code}\\n' -H 'Host: app.example.com' '${base}/retry/x?uuid='$RANDOM'&succeedAfter=2&responseCode=503'`],
    ["timeout: 504 after 500 ms", `curl -s -o /dev/null -w '%{http_code}\\n' -H 'Host: app.example.com' '${base}/slow?delay=2s'`],
    ["redirect 301 to https://app.example.com", `curl -si -H 'Host: old.example.com' ${base}/some/path | grep -i -E '^(HTTP|location)'`],
    ["rewrite /v1/users -> /users, header set", `curl -s -H 'Host: api.example.com' '${base}/v1/users?page=2'`],
    ["CORS preflight answered at the edge", `curl -si -X OPTIONS -H 'Host: api.example.com' -H 'Origin: https://app.example.com' -H 'Access-Control-Request-Method: POST' ${base}/v1/users | grep -i access-control`],
    ["no route: 404", `curl -s -o /dev/null -w '%{http_code}\\n' -H 'Host: nothing.example.com' ${base}/`],
    ["served snapshot version", `curl -s -H 'Authorization: Bearer ${statusToken}' ${base}/__edgeway/status`],
  ];
  const out = ["", "Try it:", ""];
  for (const [what, cmd] of lines) out.push(`  # ${what}`, `  ${cmd}`, "");
  return out.join("\n");
}
