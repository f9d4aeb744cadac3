{# USES_VARIABLES { N } #}
{# ALLOWS_SCALAR_WRITE #}
{# Brian2's stateupdate.cpp, its loop in a function compiled for two instruction sets
   (dispatch.cpp). #}
{% extends 'dispatch.cpp' %}

{% block loop %}
    const size_t _vectorisation_idx = -1;
    {{scalar_code|autoindent}}
    const int _N = {{constant_or_scalar('N', variables['N'])}};
    for(int _idx=0; _idx<_N; _idx++)
    {
        const size_t _vectorisation_idx = _idx;
        {{vector_code|autoindent}}
    }
{% endblock %}
