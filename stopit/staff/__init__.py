"""Staff work by mail: who may command (auth), what they asked (commands), and the notice with its gates."""
