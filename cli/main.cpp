#include <cstdio>
int main() { std::puts("smlm"); return 0; }
