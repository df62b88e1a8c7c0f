/**
 * The names the conformance runner's server scenarios (0.1.13) call, read from its scenarios: a
 * server in front of the fixture must expose these exactly (no prefix) for the scenarios to find
 * them. `test_reconnection` serves server-sse-polling; `json_schema_2020_12_tool` serves
 * json-schema-2020-12 (it is only listed, never called).
 */
export const SUITE_TOOLS = [
  'test_simple_text',
  'test_image_content',
  'test_audio_content',
  'test_embedded_resource',
  'test_multiple_content_types',
  'test_tool_with_logging',
  'test_tool_with_progress',
  'test_error_handling',
  'test_reconnection',
  'test_sampling',
  'test_elicitation',
  'test_elicitation_sep1034_defaults',
  'test_elicitation_sep1330_enums',
  'json_schema_2020_12_tool',
];

/** Read by URI (resources-read-*); subscribed to (resources-subscribe / -unsubscribe). */
export const SUITE_RESOURCES = ['test://static-text', 'test://static-binary', 'test://watched-resource'];
/** resources-templates-read reads `test://template/123/data`. */
export const SUITE_TEMPLATES = ['test://template/{id}/data'];
/** completion-complete completes `arg1` of `test_prompt_with_arguments`. */
export const SUITE_PROMPTS = ['test_simple_prompt', 'test_prompt_with_arguments', 'test_prompt_with_embedded_resource', 'test_prompt_with_image'];
