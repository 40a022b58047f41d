fmt {}
