{# USES_VARIABLES { N } #}
{# Brian2's threshold.cpp, its loop in a function compiled for two instruction sets
   (dispatch.cpp), and its compaction skipping blocks without a spike: a block's
   conditions are first or-ed in a loop the compiler vectorises, and compacted into
   the spike space, in index order, only where one holds. The condition is
   therefore evaluated twice in such a block: it must not draw random numbers. #}
{% extends 'dispatch.cpp' %}

{% block loop %}
    const int _vectorisation_idx = -1;
    {{scalar_code|autoindent}}
    {% set _eventspace = get_array_name(eventspace_variable) %}
    const size_t _block = 64;
    long _count = 0;
    for(size_t _start=0; _start<N; _start+=_block)
    {
        const size_t _end = _start + _block < N ? _start + _block : N;
        char _any = 0;
        for(size_t _idx=_start; _idx<_end; _idx++)
        {
            const size_t _vectorisation_idx = _idx;
            {{vector_code|autoindent}}
            _any |= _cond;
        }
        if(!_any)
            continue;
        for(size_t _idx=_start; _idx<_end; _idx++)
        {
            const size_t _vectorisation_idx = _idx;
            {{vector_code|autoindent}}
            if(_cond) {
                {{_eventspace}}[_count++] = _idx;
                {% if _uses_refractory %}
                {{not_refractory}}[_idx] = false;
                {{lastspike}}[_idx] = {{t}};
                {% endif %}
            }
        }
    }
    {{_eventspace}}[N] = _count;
{% endblock %}

{% block after_code %}
{% set _eventspace = get_array_name(eventspace_variable) %}
{{_eventspace}}[N] = 0;  // the array has N+1 elements
{% endblock %}
