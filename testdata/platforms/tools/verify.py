import csv, re, collections
def norm_phone(p): p=p.lstrip("'").strip(); return ('+' if p.startswith('+') else '')+re.sub(r'\D','',p)
def report(orders):
    agg=collections.defaultdict(lambda:[0,0.0,None,None])
    for key,date,net in orders:
        a=agg[key]; a[0]+=1; a[1]+=net; a[2]=min(a[2] or date,date); a[3]=max(a[3] or date,date)
    for k,v in sorted(agg.items()): print(f'  {k:28} F={v[0]} M={v[1]:.2f} first={v[2]} last={v[3]}')
    print('  total', sum(v[0] for v in agg.values()), '%.2f'%sum(v[1] for v in agg.values()))
def num(s): return float(s.lstrip("'") or 0)

print('shopify')
rs=list(csv.DictReader(open('../shopify_orders.csv',newline='')))
o=[]
for r in rs:
    if not r['Financial Status']: continue
    if r['Financial Status'] in ('paid','partially_refunded') and not r['Cancelled at']:
        key=r['Email'].strip().lower() or 'phone:'+norm_phone(r['Phone'])
        o.append((key,r['Created at'][:10],num(r['Total'])-num(r['Refunded Amount'])))
report(o)

def woo(path, idcol, stcol, ok, emailcol, phonecol, datecol, totcol, refcol):
    rs=list(csv.reader(open(path,newline='')))
    h=rs[0]; seen=set(); o=[]
    for r in rs[1:]:
        d=dict(zip(h,r))
        oid=d.get(idcol,'')
        if not oid or oid in seen: continue
        seen.add(oid)
        if d[stcol] in ok:
            key=d[emailcol].strip().lower() or norm_phone(d[phonecol])
            o.append((key,d[datecol][:10],num(d[totcol])-num(d[refcol])))
    report(o)
for f in ['woocommerce_orders.csv','woocommerce_aoe_blank_item_rows_orders.csv']:
    print(f); woo('../'+f,'Order Number','Order Status',('Completed','Processing'),'Email (Billing)','Phone (Billing)','Order Date','Order Total Amount','Order Refund Amount')
print('coc'); woo('../woocommerce_customer_order_export_orders.csv','order_id','status',('completed','processing'),'billing_email','billing_phone','date','order_total','refunded_total')
print('analytics')
rs=list(csv.DictReader(open('../woocommerce_analytics_orders.csv',newline='')))
by=collections.OrderedDict()
for r in rs: by.setdefault(r['Order #'],[]).append(r)
o=[]
for oid,rows in by.items():
    main=[r for r in rows if int(r['Items sold'].lstrip("'"))>=0][0]
    if main['Status'] in ('completed','processing'):
        o.append((main['Customer'],main['Date'][:10],sum(num(r['Net Sales']) for r in rows)))
report(o)
