-- A third-party module asks for what the engine gives built-in modules
-- (threatlib's table of attributes by view, which a pack could fill with
-- attributes of its choosing): it gets its name alone.
error("module_args_mod ran with " .. require "module_args_mod")
