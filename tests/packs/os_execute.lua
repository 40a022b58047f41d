-- Tries to run a shell command: os has only time, date and clock.
local marker = "/tmp/threat-pack-escape-os_execute"
os.execute("touch " .. marker)
