// The image's HEALTHCHECK: exit 0 when GET /healthz answers 200 within 4 s, 1 otherwise. The image has no
// curl; Node's fetch does. OCIENT_SSO_HEALTHCHECK_URL overrides the URL (another port, https).
const url = process.env.OCIENT_SSO_HEALTHCHECK_URL ?? "http://127.0.0.1:8080/healthz";
try {
  const response = await fetch(url, { signal: AbortSignal.timeout(4000), redirect: "manual" });
  process.exitCode = response.status === 200 ? 0 : 1;
} catch {
  process.exitCode = 1;
}
