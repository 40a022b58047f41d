diff {} tests/golden/diff/versions/flow-ends-after.threat
