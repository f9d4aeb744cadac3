{# A code object whose loop (block "loop") is a function of its own, compiled by GCC
   11 or later on x86-64 Linux for x86-64-v3 (AVX2, FMA) and for the x86-64 baseline, the version
   chosen when the program starts on the CPU it runs on (target_clones, resolved by
   the dynamic loader): a program built once runs on every x86-64 node, vectorised
   where the node allows it. Programs are compiled with -ffp-contract=off, so neither
   version fuses a multiply and an add: both compute the same values. Other compilers
   and platforms compile the loop once, for the flags they are given. #}
{% extends 'common_group.cpp' %}

{% block extra_headers %}
#if defined(__x86_64__) && defined(__linux__) && !defined(__clang__) && __GNUC__ >= 11
#define _SPIKESWEEP_LOOP_VERSIONS __attribute__((target_clones("arch=x86-64-v3", "default")))
#else
#define _SPIKESWEEP_LOOP_VERSIONS
#endif
namespace {
    _SPIKESWEEP_LOOP_VERSIONS void _loop_{{codeobj_name}}();
}
{% endblock %}

{% block maincode %}
    _loop_{{codeobj_name}}();
{% endblock %}

{% block extra_functions_cpp %}
namespace {
void _loop_{{codeobj_name}}()
{
    using namespace brian;
    ///// CONSTANTS ///////////
    %CONSTANTS%
    ///// POINTERS ////////////
    {{pointers_lines|autoindent}}
    {% block loop %}
    {% endblock %}
}
}
{% endblock %}
