" Vim/Neovim syntax for threat models (*.threat): doc/editors.md.
" The language is in grammar/threat.ebnf and doc/language.md. Keywords are
" contextual, so a statement keyword is highlighted only at the top level
" and an attribute name only where a block's item starts (a line, '{', ';', or
" two spaces: the canonical gap between attributes on one line).

if exists('b:current_syntax')
  finish
endif
let s:cpo_save = &cpo
set cpo&vim

syntax case match
" Triple-quoted strings span lines: read from the top so they are never
" mistaken for code.
syntax sync fromstart

" Lowest priority first: Vim prefers the item defined last when two start
" at the same place. Anything no other item takes is not a token.
syntax match threatError /[^[:space:]}\]>]/
syntax match threatStrayClose /[}\]>]/

" Punctuation
syntax match threatDelimiter /[,;:.@]/
syntax match threatArrow /<\?->/

" Values: words, numbers, dates, booleans, findings
syntax match threatReference /\<[A-Za-z_*]\%([A-Za-z0-9_*]\|-[A-Za-z0-9*]\@=\)*/
syntax match threatReference /\*\%([A-Za-z0-9_*]\|-[A-Za-z0-9*]\@=\)*/
syntax match threatBadNumber /\<\d[A-Za-z0-9_.-]*/
syntax match threatNumber /\<\d\+\%(\.\d\+\)\=\%([A-Za-z0-9_.-]\)\@!/
syntax match threatDate /\<\d\{4}-\d\{2}-\d\{2}\%([A-Za-z0-9_.-]\)\@!/
syntax match threatBoolean /\<\%(true\|false\)\>\%(-\|\s*\%([.@]\|<\?->\)\)\@!/
" a finding's rule: STRIDE-T-01@api, STRIDE-T-*@api, *@legacy_*
syntax match threatRule /\%([A-Za-z_*]\%([A-Za-z0-9_*]\|-[A-Za-z0-9*]\@=\)*\)\ze@/

" Statements (top level only: not contained in a block)
syntax match threatKeyword /\<\%(asset\|actor\|external\|process\|store\|threat\|mitigation\|boundary\)\>\ze\s\+[A-Za-z_]/ nextgroup=threatId skipwhite
syntax match threatKeyword /\<flow\>\%(\s*[.@]\)\@!/ nextgroup=threatFlowId skipwhite
syntax match threatKeyword /\<accept\>\ze\s\+[A-Za-z_*]/
syntax match threatInclude /\<\%(model\|use\|include\)\>\ze\s*\%("\|$\|#\)/
syntax match threatId /[A-Za-z_]\%([A-Za-z0-9_]\|-[A-Za-z0-9]\@=\)*\%([A-Za-z0-9_*.@-]\)\@!/ contained
syntax match threatFlowId /[A-Za-z_]\%([A-Za-z0-9_]\|-[A-Za-z0-9]\@=\)*\ze\s*:/ contained

" Blocks, lists and a boundary's members
syntax region threatBlock matchgroup=threatBrace start=/{/ end=/}/ fold
      \ contains=threatComment,threatString,threatTriple,threatAttribute,threatNote,threatChild,threatBlock,threatList,@threatValue,threatDelimiter,threatError
syntax region threatList matchgroup=threatBrace start=/\[/ end=/\]/
      \ contains=threatComment,threatString,threatTriple,threatBlock,threatList,@threatValue,threatDelimiter,threatError
syntax region threatMembers matchgroup=threatBrace start=/<-\@!/ end=/>/
      \ contains=threatComment,threatReference,threatDelimiter,threatError
syntax cluster threatValue contains=threatReference,threatBadNumber,threatNumber,threatDate,threatBoolean,threatRule,threatArrow

" Inside a block: an attribute name starts the line or follows '{' or ';';
" "process ID" and "store ID" declare a child element.
syntax match threatAttribute /\%(\%(^\|[{;]\)\s*\|\s\s\)\@<=[A-Za-z_]\%([A-Za-z0-9_]\|-[A-Za-z0-9]\@=\)*\%([A-Za-z0-9_*.@-]\|\s*<\?->\)\@!/ contained
syntax match threatNote /\%(\%(^\|[{;]\)\s*\|\s\s\)\@<=\%(x-\|note\)\%([A-Za-z0-9_]\|-[A-Za-z0-9]\@=\)*\%([A-Za-z0-9_*.@-]\|\s*<\?->\)\@!/ contained
syntax match threatChild /\<\%(process\|store\)\>\ze\s\+[A-Za-z_][A-Za-z0-9_-]*\s*\%("\|{\|;\|}\|#\|$\)/ contained nextgroup=threatId skipwhite

" Strings and comments last: they win over everything at their start.
syntax match threatEscape /\\\%(["\\nt]\|u{\x\{1,6}}\)/ contained
syntax match threatBadEscape /\\\%(["\\nt]\|u{\x\{1,6}}\)\@!.\=/ contained
syntax region threatString start=/"/ skip=/\\\\\|\\"/ end=/"/ end=/$/ oneline contains=threatEscape,threatBadEscape
syntax region threatTriple start=/"""/ end=/"""\%("\)\@!/
syntax match threatComment /#.*$/ contains=@Spell

highlight default link threatComment Comment
highlight default link threatString String
highlight default link threatTriple String
highlight default link threatEscape SpecialChar
highlight default link threatBadEscape Error
highlight default link threatKeyword Statement
highlight default link threatInclude Include
highlight default link threatChild Statement
highlight default link threatId Identifier
highlight default link threatFlowId Identifier
highlight default link threatAttribute Type
highlight default link threatNote SpecialComment
highlight default link threatReference Normal
highlight default link threatRule Constant
highlight default link threatNumber Number
highlight default link threatDate Number
highlight default link threatBoolean Boolean
highlight default link threatBadNumber Error
highlight default link threatArrow Operator
highlight default link threatDelimiter Delimiter
highlight default link threatBrace Delimiter
highlight default link threatError Error
highlight default link threatStrayClose Error

let b:current_syntax = 'threat'
let &cpo = s:cpo_save
unlet s:cpo_save
