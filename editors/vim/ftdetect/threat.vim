" Vim/Neovim: files ending in .threat are threat models (doc/editors.md).
autocmd BufRead,BufNewFile *.threat setfiletype threat
