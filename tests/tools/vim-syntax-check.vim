" Run by tests/tools/editors.sh as
"   vim -Es -u NONE -i NONE -N --cmd 'set rtp^=editors/vim' -S THIS FILE...
" with $VIM_CHECK_OUT naming the report file. For each file: the filetype
" comes from editors/vim/ftdetect, the syntax loads without an error, and
" every character that is not white space is in a syntax item other than
" an error item (nor left to a block, list or member list unmatched).
" Reports one line per problem: FILE:LINE:COL: what. With $VIM_CHECK_TOKENS
" set it reports instead each run of characters in one syntax item, as
" TEXT<tab>ITEM, for checking what a sample highlights as.
let s:report = []
let s:bad = ['threatError', 'threatBadNumber', 'threatBadEscape', 'threatStrayClose']
let s:unmatched = ['', 'threatBlock', 'threatList', 'threatMembers']
filetype on
syntax on
for s:file in argv()
  let v:errmsg = ''
  execute 'silent edit ' . fnameescape(s:file)
  if &filetype !=# 'threat'
    call add(s:report, s:file . ': filetype is "' . &filetype . '", not threat')
  endif
  if get(b:, 'current_syntax', '') !=# 'threat'
    call add(s:report, s:file . ': the threat syntax did not load')
  endif
  if v:errmsg !=# ''
    call add(s:report, s:file . ': ' . v:errmsg)
  endif
  if $VIM_CHECK_TOKENS !=# ''
    for s:lnum in range(1, line('$'))
      let s:text = getline(s:lnum)
      let s:run = ''
      let s:run_name = ''
      for s:col in range(1, len(s:text) + 1)
        let s:name = s:col > len(s:text) ? '' : synIDattr(synID(s:lnum, s:col, 0), 'name')
        if s:col > len(s:text) || s:name !=# s:run_name || s:text[s:col - 1] =~# '\s'
          if s:run !=# ''
            call add(s:report, s:run . "\t" . s:run_name)
          endif
          let s:run = ''
          let s:run_name = s:name
        endif
        if s:col <= len(s:text) && s:text[s:col - 1] !~# '\s'
          let s:run .= s:text[s:col - 1]
        endif
      endfor
    endfor
    execute 'silent bwipeout!'
    continue
  endif
  let s:previous = ''
  for s:lnum in range(1, line('$'))
    let s:text = getline(s:lnum)
    for s:col in range(1, len(s:text))
      if s:text[s:col - 1] =~# '\s'
        continue
      endif
      let s:name = synIDattr(synID(s:lnum, s:col, 0), 'name')
      let s:what = index(s:bad, s:name) >= 0 ? 'error item ' . s:name
            \ : index(s:unmatched, s:name) >= 0 ? 'text no item matches' : ''
      if s:what !=# '' && s:what !=# s:previous
        call add(s:report, printf('%s:%d:%d: %s at %s', s:file, s:lnum, s:col, s:what,
              \ string(strpart(s:text, s:col - 1, 20))))
      endif
      let s:previous = s:what
    endfor
  endfor
  execute 'silent bwipeout!'
endfor
call writefile(s:report + ['checked ' . argc() . ' files'], $VIM_CHECK_OUT)
qall!
