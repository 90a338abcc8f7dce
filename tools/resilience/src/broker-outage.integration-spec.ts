import { describeBrokerFault } from './testing/broker-fault';

describeBrokerFault({
  label: 'broker_outage',
  title: 'the Kafka broker stopped for 20 s mid-stream',
  kind: 'stop',
});
