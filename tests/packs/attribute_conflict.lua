-- Declares an attribute the language has, with another type.
attribute { name = "tls", applies = "process", type = "text", doc = "tls" }
