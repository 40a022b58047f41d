; Highlights for editors that read tree-sitter queries (Neovim, Helix, Zed).

(comment) @comment

[
  "model"
  "asset"
  "actor"
  "external"
  "process"
  "store"
  "boundary"
  "flow"
  "threat"
  "mitigation"
  "accept"
] @keyword

[
  "use"
  "include"
] @keyword.import

(string) @string
(triple_string) @string
(number) @number
(date) @number
(boolean) @boolean
(arrow) @operator

[
  "{"
  "}"
  "["
  "]"
  "<"
  ">"
] @punctuation.bracket

[
  ","
  ";"
  ":"
  "."
  "@"
] @punctuation.delimiter

(attribute name: (identifier) @property)

(element_statement id: (identifier) @type)
(process_statement id: (identifier) @type)
(store_statement id: (identifier) @type)
(boundary_statement id: (identifier) @type)
(flow_statement id: (identifier) @label)
(threat_statement id: (identifier) @constant)
(mitigation_statement id: (identifier) @constant)

(finding rule: (_) @constant)
(reference (pattern_path) @constant "@")
(members (path (identifier) @variable))
(pattern) @string.special
