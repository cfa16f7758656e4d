// DEVELOPMENT ONLY: completes a device grant (RFC 8628) at the embedded provider as a person would on a
// second device: its own pages, over HTTP, with their cookies and forms.
import { CookieBrowser, parseForm } from "./code-flow.js";

export type DeviceDecision = "approve" | "abort";

/**
 * Opens `verificationUriComplete` (the provider's auto-submitting form with the user code), confirms the
 * code, then signs `accountId` in and consents through the development interactions; or aborts at the
 * confirmation. Resolves once the provider shows its success (or abort) page.
 */
export async function completeDeviceFlow(
  verificationUriComplete: string,
  accountId: string,
  decision: DeviceDecision = "approve",
): Promise<void> {
  const browser = new CookieBrowser();
  let response = await browser.fetch(verificationUriComplete);
  for (let step = 0; step < 12; step++) {
    const location = response.headers.get("location");
    if (location !== null) {
      await response.body?.cancel();
      response = await browser.fetch(new URL(location, response.url).href);
      continue;
    }
    const html = await response.text();
    if (/Sign-in Success/.test(html) || /interrupted/.test(html)) {
      if (decision === "approve" && !/Sign-in Success/.test(html)) throw new Error("device sign-in failed");
      return;
    }
    const fields = hiddenFields(html);
    const action = /<form[^>]*action="([^"]+)"/.exec(html)?.[1]?.replaceAll("&amp;", "&");
    if (action === undefined || response.status !== 200) {
      throw new Error(`unexpected device page: ${response.status}`);
    }
    if (fields.has("confirm") && decision === "abort") {
      fields.delete("confirm");
      fields.set("abort", "yes");
    } else if (fields.has("prompt")) {
      const form = parseForm(html, response.status);
      if (form.prompt === "login") fields.set("login", accountId);
    }
    response = await browser.fetch(new URL(action, response.url).href, { method: "POST", body: fields });
  }
  throw new Error("the device pages did not finish");
}

function hiddenFields(html: string): URLSearchParams {
  const fields = new URLSearchParams();
  for (const match of html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)"\/?>/g)) {
    fields.set(match[1] as string, (match[2] as string).replaceAll("&amp;", "&"));
  }
  return fields;
}
