# m4/haul_fuzz.m4: configure's --enable-fuzz, the switch for the libFuzzer
# harnesses of tests/fuzz/ (built by `make fuzz` with clang, ASan, UBSan).
#
# HAUL_ARG_FUZZ, before AC_PROG_CC: the option, and clang as the compiler
# when it is given and CC is not set.
# HAUL_CHECK_FUZZ, after AC_PROG_CC: with the option, checks that the
# compiler links a harness with libFuzzer (or fails, naming the packages);
# substitutes FUZZ_CFLAGS and FUZZ_LDFLAGS and defines the FUZZ
# conditional.  The whole build is instrumented for coverage
# (fuzzer-no-link) and checked by ASan and UBSan; only the harnesses link
# libFuzzer's main.

AC_DEFUN([HAUL_ARG_FUZZ], [
AC_BEFORE([$0], [AC_PROG_CC])
AC_ARG_ENABLE([fuzz],
    AS_HELP_STRING([--enable-fuzz],
        [build the libFuzzer harnesses with clang, ASan and UBSan (make fuzz)]))
AS_IF([test "x$enable_fuzz" = xyes && test -z "$CC"], [CC=clang])
])

AC_DEFUN([HAUL_CHECK_FUZZ], [
AC_REQUIRE([HAUL_ARG_FUZZ])
AC_REQUIRE([AC_PROG_CC])
AS_IF([test "x$enable_fuzz" = xyes], [
    FUZZ_CFLAGS="-g -fno-omit-frame-pointer -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined"
    FUZZ_LDFLAGS="-fsanitize=address,undefined"
    AC_MSG_CHECKING([whether $CC builds libFuzzer harnesses])
    haul_save_CFLAGS=$CFLAGS haul_save_LDFLAGS=$LDFLAGS
    CFLAGS="$CFLAGS $FUZZ_CFLAGS"
    LDFLAGS="$LDFLAGS -fsanitize=fuzzer,address,undefined"
    AC_LINK_IFELSE([AC_LANG_SOURCE([[
#include <stddef.h>
#include <stdint.h>
int LLVMFuzzerTestOneInput(const uint8_t *, size_t);
int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{ return d != NULL && n > 1 && d[0] == 'x'; }
]])], [AC_MSG_RESULT([yes])], [
        AC_MSG_RESULT([no])
        AC_MSG_ERROR([--enable-fuzz needs clang with libFuzzer: apt-get install clang libclang-rt-14-dev])])
    CFLAGS=$haul_save_CFLAGS LDFLAGS=$haul_save_LDFLAGS
])
AC_SUBST([FUZZ_CFLAGS])
AC_SUBST([FUZZ_LDFLAGS])
AM_CONDITIONAL([FUZZ], [test "x$enable_fuzz" = xyes])
])
