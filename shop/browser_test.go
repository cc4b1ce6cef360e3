package shop_test

func stopChrome() {}
