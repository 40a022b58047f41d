-- table.move over 2^60 nils allocates nothing the memory cap would see and
-- runs no instruction the budget would count.
pack { name = "move_nils" }
table.move({}, 1, 1 << 60, 1, {})
