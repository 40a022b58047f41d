rules HYG-02
