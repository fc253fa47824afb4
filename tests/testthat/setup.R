# Quiet TensorFlow's C++ start-up messages in the tests (set before Python starts); restored after.
withr::local_envvar(TF_CPP_MIN_LOG_LEVEL = "3", .local_envir = teardown_env())
