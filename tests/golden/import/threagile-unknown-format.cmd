import visio x.vsdx
