/**
 * The playground server's routes, shared by the server (Node) and the page (browser).
 *
 * @packageDocumentation
 */

/** Where the page fetches the vocabulary (`tiktoken.model`) from. */
export const VOCABULARY_ROUTE = "/model/tiktoken.model";
/** Where the page fetches the checkpoint's chat template from (404 when the checkpoint has none). */
export const CHAT_TEMPLATE_ROUTE = "/model/chat_template.jinja";
/** The folder of the page's script, styles and source maps. */
export const ASSETS_PREFIX = "/assets/";
