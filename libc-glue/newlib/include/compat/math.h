/* <math.h> for newlib on the reference kernel: newlib's, plus, for C++, the declarations of the C99 long double
   functions that newlib declares only where long double is double. libc++'s <cmath> (reached through
   <atomic>) names every one of them in inline overloads; declaring them lets C++ compile, and a program
   that really calls one fails to link rather than silently computing in double precision (newlib has no
   80-bit implementations). */
#ifndef RP_COMPAT_MATH_H
#define RP_COMPAT_MATH_H
#include_next <math.h>
#if defined(__cplusplus) && !defined(_LDBL_EQ_DBL)
extern "C" {
long double acosl(long double);
long double asinl(long double);
long double atanl(long double);
long double atan2l(long double, long double);
long double cosl(long double);
long double sinl(long double);
long double tanl(long double);
long double coshl(long double);
long double sinhl(long double);
long double tanhl(long double);
long double acoshl(long double);
long double asinhl(long double);
long double atanhl(long double);
long double expl(long double);
long double exp2l(long double);
long double expm1l(long double);
long double frexpl(long double, int *);
long double ldexpl(long double, int);
long double logl(long double);
long double log10l(long double);
long double log1pl(long double);
long double log2l(long double);
long double logbl(long double);
int ilogbl(long double);
long double modfl(long double, long double *);
long double scalbnl(long double, int);
long double scalblnl(long double, long);
long double cbrtl(long double);
long double fabsl(long double);
long double powl(long double, long double);
long double erfl(long double);
long double erfcl(long double);
long double lgammal(long double);
long double tgammal(long double);
long double ceill(long double);
long double floorl(long double);
long double nearbyintl(long double);
long double rintl(long double);
long lrintl(long double);
long long llrintl(long double);
long double roundl(long double);
long lroundl(long double);
long long llroundl(long double);
long double truncl(long double);
long double fmodl(long double, long double);
long double remainderl(long double, long double);
long double remquol(long double, long double, int *);
long double copysignl(long double, long double);
long double nanl(const char *);
long double nextafterl(long double, long double);
long double nexttowardl(long double, long double);
float nexttowardf(float, long double);
double nexttoward(double, long double);
long double fdiml(long double, long double);
long double fmaxl(long double, long double);
long double fminl(long double, long double);
long double fmal(long double, long double, long double);
}
#endif
#endif
