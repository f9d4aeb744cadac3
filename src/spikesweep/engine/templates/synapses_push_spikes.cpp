{# USES_VARIABLES { _n_sources, _n_targets, delay, _source_dt} #}
{# Brian2's synapses_push_spikes.cpp for a program that simulates many runs, one after
   the other: the pathway's synapses by source are prepared when its delays (or its
   synapses) differ from those it was prepared with, not before every run (for the
   whole fly brain this is 15 million synapses), and every run starts with an empty
   queue, as in a program that simulates one run. The queue's length may then exceed
   the longest delay: each spike is still delivered after its own delay. #}
{% extends 'common_group.cpp' %}

{% block extra_headers %}
#include <algorithm>
{% endblock %}

{% block before_code %}
    {% set scalar = c_data_type(variables['delay'].dtype) %}
    std::vector<{{scalar}}> &real_delays = {{get_array_name(variables['delay'], access_data=False)}};
    {{scalar}}* real_delays_data = real_delays.empty() ? 0 : &(real_delays[0]);
    int32_t* sources = {{owner.name}}.sources.empty() ? 0 : &({{owner.name}}.sources[0]);
    const size_t n_delays = real_delays.size();
    const size_t n_synapses = {{owner.name}}.sources.size();
    static std::vector<{{scalar}}> _prepared_delays;
    static size_t _prepared_synapses = 0;
    static bool _prepared = false;
    if (!_prepared || n_synapses != _prepared_synapses
        || !std::equal(real_delays_data, real_delays_data + n_delays,
                       _prepared_delays.begin(), _prepared_delays.end()))
    {
        {{owner.name}}.prepare({{constant_or_scalar('_n_sources', variables['_n_sources'])}},
                               {{constant_or_scalar('_n_targets', variables['_n_targets'])}},
                               real_delays_data, n_delays, sources,
                               n_synapses,
                               {{_source_dt}});
        _prepared_delays.assign(real_delays_data, real_delays_data + n_delays);
        _prepared_synapses = n_synapses;
        _prepared = true;
    }
    for (auto *_queue : {{owner.name}}.queue)
    {
        for (auto &_spikes : _queue->queue)
            _spikes.clear();
        _queue->offset = 0;
    }
{% endblock %}

{% block maincode %}
    // we do advance at the beginning rather than at the end because it saves us making
    // a copy of the current spiking synapses
    {% set _eventspace = get_array_name(eventspace_variable) %}
    {{openmp_pragma('parallel')}}
    {
        {{owner.name}}.advance();
        {{owner.name}}.push({{_eventspace}}, {{_eventspace}}[_num{{eventspace_variable.name}}-1]);
    }
{% endblock %}
