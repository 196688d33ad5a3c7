// Talking to the server: JSON in and out, in the page's language. Every request says the
// page's language (Accept-Language), so that a refusal comes back in the words the page shows;
// a refusal becomes an Error whose message is the server's sentence.

/** The page's language: the switch's value (already the new one while its change is being
 * handled), else <html lang>. */
function pageLanguage() {
  const select = document.getElementById("lang");
  return (select && select.value) || document.documentElement.lang || "en";
}

async function refused(response) {
  try {
    return new Error((await response.json()).error || response.statusText);
  } catch (_) {
    return new Error(response.statusText); // not JSON: keep the status text
  }
}

/** GET a JSON document. */
export async function getJSON(url) {
  const response = await fetch(url, { headers: { "Accept-Language": pageLanguage() } });
  if (!response.ok) throw await refused(response);
  return response.json();
}

/** POST a JSON body; the response itself, for the caller to read as JSON or as a file. */
export async function postJSON(url, payload) {
  const response = await fetch(url, {
    method: "POST",
    headers: { "Content-Type": "application/json", "Accept-Language": pageLanguage() },
    body: JSON.stringify(payload),
  });
  if (!response.ok) throw await refused(response);
  return response;
}
