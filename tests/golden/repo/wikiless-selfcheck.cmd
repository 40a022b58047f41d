check --self-check --repo tests/golden/repo/wikiless tests/golden/repo/wikiless/model.threat
