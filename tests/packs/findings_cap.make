# 1,000 processes and 1,000 flows between them.
{
	echo 'model "hostile findings_cap" { date 2026-03-24  next_review 2026-06-24 }'
	echo 'use "./findings_cap.lua"'
	i=1
	while [ $i -le 1000 ]; do
		echo "process p$i \"P$i\""
		i=$((i + 1))
	done
	i=1
	while [ $i -lt 1000 ]; do
		echo "flow p$i -> p$((i + 1)) \"f$i\""
		i=$((i + 1))
	done
} >findings_cap.threat
